// The Open Model Card panel (browser side): only the toolbar, scrolling to a section and keeping the scroll position.
// The card is already in the page (rendered and escaped by the host); nothing here writes HTML. The few host messages
// are checked by hand: two shapes do not need the zod bundle.
import type { ModelCardHostMessage, ModelCardState, ModelCardWebviewMessage } from '../../src/protocol/modelCard';

interface VsCodeApi { postMessage(msg: ModelCardWebviewMessage): void; getState(): unknown; setState(s: ModelCardState): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const toolbar = document.getElementById('card-toolbar');
const status = document.getElementById('card-status');
const saved = vscode.getState() as Partial<ModelCardState> | undefined;

function save(): void {
  const d = toolbar?.dataset;
  const version = Number(d?.version);
  if (!d?.root || !d.model || !Number.isInteger(version)) { return; }
  vscode.setState({ root: d.root, model: d.model, version, scrollY: Math.max(0, Math.round(window.scrollY)) });
}

toolbar?.addEventListener('click', (e) => {
  const action = (e.target as HTMLElement | null)?.closest('button')?.dataset.action;
  if (action === 'refresh') { vscode.postMessage({ type: 'refresh' }); }
  if (action === 'export-html') { vscode.postMessage({ type: 'export', format: 'html' }); }
  if (action === 'export-md') { vscode.postMessage({ type: 'export', format: 'md' }); }
});

let pending = 0;
window.addEventListener('scroll', () => {
  if (pending) { return; }
  pending = window.setTimeout(() => { pending = 0; save(); }, 200);
});

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as Partial<ModelCardHostMessage> | null;
  if (!m || typeof m !== 'object') { return; }
  if (m.type === 'scrollTo' && typeof m.section === 'string') {
    const target = document.getElementById(m.section);
    if (target) { target.scrollIntoView({ block: 'start' }); target.classList.add('focus'); save(); }
  } else if (m.type === 'status' && typeof m.text === 'string' && status) {
    status.textContent = m.text;
  }
});

// Back where the reader was after a refresh or a reload (a scrollTo from the host then wins).
if (typeof saved?.scrollY === 'number') { window.scrollTo(0, saved.scrollY); }
save();
vscode.postMessage({ type: 'ready' });
