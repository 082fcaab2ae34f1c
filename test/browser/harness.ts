// What every webview test in a real browser shares: headless Debian Chromium (playwright-core, offline), the built
// bundle it loads, and a stand-in for VS Code's acquireVsCodeApi that records what the page posts.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '..', '..', '..');

/** The built webview bundle `dist/webview/<name>.js`; a clear message when the build has not run. */
export function requireBundle(name: string): string {
  const bundle = path.join(REPO, 'dist', 'webview', `${name}.js`);
  if (!fs.existsSync(bundle)) { throw new Error(`${bundle} is missing: run npm run build`); }
  return bundle;
}

/** Chromium without a sandbox, GPU, network chatter or updates: what the offline test machines can run. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) { throw new Error(`${executablePath} is missing: run npm run test:setup`); }
  return chromium.launch({ executablePath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
}

/** Puts a recording acquireVsCodeApi (posted messages in `window.__posted`) before the page's own script. */
export function withStubApi(html: string, nonce: string): string {
  const stub = `<script nonce="${nonce}">window.__posted=[];let st;window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>st,setState:(s)=>{st=s}});</script>`;
  return html.replace(`<script nonce="${nonce}" src=`, `${stub}<script nonce="${nonce}" src=`);
}

export interface WebviewHtmlOptions { cspSource: string; nonce: string; scriptUri: string; styleUri: string }

/**
 * A local server for one webview: `/<name>.js` (the built bundle), `/<name>.css` (media/) and, for any other path,
 * the page `html` returns for the request (with the recording acquireVsCodeApi). Resolves once it listens.
 */
export async function serveWebview(name: string, html: (o: WebviewHtmlOptions, url: URL) => string): Promise<{ origin: string; server: http.Server }> {
  const bundle = requireBundle(name);
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === `/${name}.js`) { res.setHeader('content-type', 'text/javascript'); res.end(fs.readFileSync(bundle)); return; }
    if (url.pathname === `/${name}.css`) { res.setHeader('content-type', 'text/css'); res.end(fs.readFileSync(path.join(REPO, 'media', `${name}.css`))); return; }
    const nonce = randomBytes(16).toString('base64');
    res.setHeader('content-type', 'text/html');
    res.end(withStubApi(html({ cspSource: origin, nonce, scriptUri: `/${name}.js`, styleUri: `/${name}.css` }, url), nonce));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { origin, server };
}

/** VS Code's theme variables on `<html>`, as a webview gets them. */
export function themed(html: string, style: string): string {
  return html.replace('<html lang="en">', `<html lang="en" style="${style}">`);
}

/**
 * Opens a page and waits for its `ready` message; `problems` collects CSP violations (but eval probes), page errors
 * and dialogs.
 */
export async function openWebview(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text()) && !/'unsafe-eval'|new Function|eval/.test(m.text())) { problems.push(m.text()); } });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('dialog', (d) => { problems.push(`a dialog opened: ${d.message()}`); void d.dismiss(); });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return { page, problems };
}
