/**
 * The Monitoring chart page: the shared webview shell (CSP `default-src 'none'`, script by nonce) with no workspace
 * data in it; the report arrives by postMessage and is rendered as text. No `vscode` import (the browser test
 * serves the same page).
 */
import { webviewShellHtml, type CompareHtmlOptions } from '../../core/compare/html';

export function monitorHtml(o: CompareHtmlOptions): string {
  return webviewShellHtml(o, 'Monitoring', '<main id="app" aria-live="polite"><p class="muted">Loading the monitoring report…</p></main>');
}
