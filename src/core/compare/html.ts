/**
 * The Compare Runs page: a fixed shell with no workspace data in it (everything arrives by postMessage and is
 * rendered as text). CSP: nothing by default; scripts only with the nonce; styles from the bundle (inline
 * styles are needed by Chart.js and the toolkit's components); images as data: URLs for chart export.
 */
export interface CompareHtmlOptions {
  /** The webview's cspSource (or the test server's origin). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** The shell every MLOps webview page shares: the CSP above, the bundle's stylesheet and script, and `body`. */
export function webviewShellHtml(o: CompareHtmlOptions, title: string, body: string): string {
  const csp = [`default-src 'none'`, `script-src 'nonce-${o.nonce}'`, `style-src ${o.cspSource} 'unsafe-inline'`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}">
<title>${title}</title>
</head>
<body>
${body}
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

export function compareHtml(o: CompareHtmlOptions): string {
  return webviewShellHtml(o, 'Compare Runs', '<main id="app" aria-live="polite"><p class="muted">Loading runs…</p></main>');
}
