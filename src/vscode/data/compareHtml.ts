/**
 * The Compare Data Versions page: a fixed shell with no workspace data in it (the report arrives by postMessage
 * and is rendered as text). Same CSP as the Compare Runs page: nothing by default; scripts only with the nonce;
 * styles from the bundle (Chart.js and the toolkit's components set inline styles). No vscode import, so the
 * real-browser test serves exactly this page.
 */
export interface DataCompareHtmlOptions {
  /** The webview's cspSource (or the test server's origin). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function dataCompareHtml(o: DataCompareHtmlOptions): string {
  const csp = [`default-src 'none'`, `script-src 'nonce-${o.nonce}'`, `style-src ${o.cspSource} 'unsafe-inline'`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}">
<title>Compare Data Versions</title>
</head>
<body>
<div id="error" role="alert" hidden></div>
<main id="app" aria-live="polite"><p class="muted">Comparing the data versions…</p></main>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}
