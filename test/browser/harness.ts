// What every webview test in a real browser shares: headless Debian Chromium (playwright-core, offline), the built
// bundle it loads, and a stand-in for VS Code's acquireVsCodeApi that records what the page posts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
