/**
 * The Open Model Card page: the card exactly as `cardHtml` exports it (same body, same CSS), inside the shell every
 * MLOps webview shares (its CSP: nothing by default, scripts only by nonce), with a toolbar above it. No vscode
 * import, so a test can build the page without an extension host.
 */
import { webviewShellHtml, type CompareHtmlOptions } from '../../core/compare/html';
import { CARD_CSS, cardBody, cardTitle, escapeHtml, type ModelCard } from '../../core/card';

export interface CardTarget {
  root: string;
  model: string;
  version: number;
}

function toolbar(t: CardTarget): string {
  return `<nav id="card-toolbar" class="toolbar" aria-label="Model card" data-root="${escapeHtml(t.root)}" data-model="${escapeHtml(t.model)}" data-version="${t.version}">`
    + '<button type="button" data-action="refresh" title="Read the store again and run the gate">Refresh</button>'
    + '<button type="button" data-action="export-html" title="Save the card as one self-contained HTML file">Export HTML…</button>'
    + '<button type="button" data-action="export-md" title="Save the card as Markdown (renders on GitHub)">Export Markdown…</button>'
    + '<span id="card-status" class="status" role="status"></span></nav>';
}

export function modelCardPage(o: CompareHtmlOptions, t: CardTarget, card: ModelCard | undefined, failure?: string): string {
  const body = card
    ? cardBody(card)
    : `<article class="model-card"><h1>${escapeHtml(`Model card: ${t.model} v${t.version}`)}</h1><p id="card-error" role="alert" class="v-fail">${escapeHtml(failure ?? 'Loading…')}</p></article>`;
  return webviewShellHtml(o, escapeHtml(card ? cardTitle(card) : `Model card: ${t.model} v${t.version}`), `<style>${CARD_CSS}</style>\n${toolbar(t)}\n${body}`);
}
