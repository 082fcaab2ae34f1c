/**
 * The Compare Data Versions page: a fixed shell with no workspace data in it (the report arrives by postMessage
 * and is rendered as text), with the same CSP as the Compare Runs page (src/core/compare/html.ts). No vscode
 * import, so the real-browser test serves exactly this page.
 */
import { webviewShellHtml, type CompareHtmlOptions } from '../../core/compare/html';

export type DataCompareHtmlOptions = CompareHtmlOptions;

export function dataCompareHtml(o: DataCompareHtmlOptions): string {
  return webviewShellHtml(o, 'Compare Data Versions',
    '<div id="error" role="alert" hidden></div>\n<main id="app" aria-live="polite"><p class="muted">Comparing the data versions…</p></main>');
}
