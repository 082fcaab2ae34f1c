#!/usr/bin/env node
// Renders media/icon.png (the Marketplace / Extensions view icon, 128×128 PNG as vsce requires) from the flask of
// media/mlops.svg: white strokes on a rounded teal-to-blue square, drawn by headless Chromium (playwright-core,
// already a devDependency). The PNG is committed; run this only when the icon changes:
//   node scripts/make-icon.mjs [--chromium /usr/bin/chromium]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flag = process.argv.indexOf('--chromium');
const executablePath = flag > 0 ? process.argv[flag + 1] : process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SIZE = 128;

// The flask's own drawing, unchanged, scaled from its 24×24 box into the middle of the tile.
const glyph = fs.readFileSync(path.join(root, 'media/mlops.svg'), 'utf8')
  .replace(/^[\s\S]*?<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '')
  .replaceAll('currentColor', '#ffffff');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="#0f9d8a"/><stop offset="1" stop-color="#1f5fbf"/></linearGradient></defs>
  <rect x="4" y="4" width="120" height="120" rx="26" fill="url(#bg)"/>
  <g transform="translate(20 18) scale(3.67)" fill="none" stroke="#ffffff" stroke-width="1.7"
     stroke-linecap="round" stroke-linejoin="round">${glyph}</g>
</svg>`;

const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  const out = path.join(root, 'media/icon.png');
  await page.locator('svg').screenshot({ path: out, omitBackground: true });
  console.log(`wrote ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`);
} finally {
  await browser.close();
}
