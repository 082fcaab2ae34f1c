// What a .vsix must and must not hold, checked on the archive's own listing (`unzip -l`), so the test sees what a
// user installs, not what the work tree has. Used by vsix.test.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** dist/extension.js is what VS Code reads and compiles at activation. */
export const BUNDLE_LIMIT = 1024 * 1024;

export interface VsixEntry { name: string; size: number }

/** The archive's files (folders left out), listed by `unzip -l`, or Python's zipfile where unzip is missing. */
export function listVsix(vsix: string): VsixEntry[] {
  const unzip = spawnSync('unzip', ['-l', vsix], { encoding: 'utf8' });
  let lines: string[];
  let re: RegExp;
  if (unzip.status === 0) {
    // "  Length      Date    Time    Name" rows; the sizes come first, the name (may hold spaces) last.
    lines = unzip.stdout.split('\n');
    re = /^\s*(\d+)\s+\d{2,4}-\d{2}-\d{2,4}\s+\d{2}:\d{2}\s+(.+)$/;
  } else if (unzip.error && (unzip.error as NodeJS.ErrnoException).code === 'ENOENT') {
    const py = spawnSync('python3', ['-c',
      'import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.file_size, i.filename)', vsix], { encoding: 'utf8' });
    if (py.status !== 0) { throw new Error(`cannot list ${vsix}: ${py.stderr || py.error}`); }
    lines = py.stdout.split('\n');
    re = /^(\d+) (.+)$/;
  } else {
    throw new Error(`unzip -l ${vsix} failed: ${unzip.stderr}`);
  }
  return lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[2], size: Number(m[1]) })).filter((e) => !e.name.endsWith('/'));
}

/** One file of the archive as text (`unzip -p`, or Python's zipfile where unzip is missing). */
export function readVsixFile(vsix: string, name: string): string {
  const unzip = spawnSync('unzip', ['-p', vsix, name], { encoding: 'utf8' });
  if (unzip.status === 0) { return unzip.stdout; }
  if (!(unzip.error && (unzip.error as NodeJS.ErrnoException).code === 'ENOENT')) { throw new Error(`unzip -p ${vsix} ${name} failed: ${unzip.stderr}`); }
  const py = spawnSync('python3', ['-c', 'import sys, zipfile\nsys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())', vsix, name], { encoding: 'utf8' });
  if (py.status !== 0) { throw new Error(`cannot read ${name} from ${vsix}: ${py.stderr || py.error}`); }
  return py.stdout;
}

/** Paths (relative to the extension folder) that must never ship: sources, tests, build output, maps, fixtures. */
const FORBIDDEN: [RegExp, string][] = [
  [/(^|\/)(src|test|out|bench|scripts|fixtures|demo-workspace|node_modules|\.vscode-test|\.git|\.ci)\//, 'a development folder'],
  [/\.map$/, 'a source map'],
  [/\.tsx?$/, 'TypeScript source'],
  [/\.vsix$/, 'a packaged extension'],
  [/(^|\/)tsconfig[^/]*\.json$|(^|\/)\.mocharc|(^|\/)eslint\.config/, 'build configuration'],
];

/** Every relative file path named anywhere in the manifest's contributions (icons, schemas, walkthrough media). */
export function manifestFiles(manifest: { icon?: string; main?: string; contributes?: unknown }): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      const m = /^(?:\.\/)?((?:media|schemas|dist|docs|python)\/[^\s*?]+\.[A-Za-z0-9]+)$/.exec(v);
      if (m) { found.add(m[1]); }
    } else if (Array.isArray(v)) { v.forEach(visit); } else if (v && typeof v === 'object') { Object.values(v).forEach(visit); }
  };
  visit(manifest.contributes);
  if (manifest.icon) { visit(manifest.icon); }
  if (manifest.main) { visit(manifest.main.replace(/^\.\//, '')); }
  return [...found].sort();
}

/** docs/… files the README links to (vsce rewrites the links, but the installed copy keeps the guides too). */
export function readmeDocs(readme: string): string[] {
  return [...new Set([...readme.matchAll(/\]\((?:\.\/)?(docs\/[^)#\s]+)/g)].map((m) => m[1]))].sort();
}

/**
 * What is wrong with a vsix built from the work tree at `root`: missing files (the manifest, the bundles and every
 * non-map file of dist/, the Python logger and server, everything the manifest and README name) and files that
 * must not ship. Empty when it is right.
 */
export function vsixProblems(entries: VsixEntry[], root: string): string[] {
  const problems: string[] = [];
  const shipped = new Map<string, number>();
  for (const e of entries) {
    if (!e.name.startsWith('extension/')) { continue; } // [Content_Types].xml, extension.vsixmanifest
    const rel = e.name.slice('extension/'.length);
    shipped.set(rel, e.size);
    const bad = FORBIDDEN.find(([re]) => re.test(rel));
    if (bad) { problems.push(`${rel} is ${bad[1]} and must not ship`); }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Parameters<typeof manifestFiles>[0];
  const distFiles = (fs.readdirSync(path.join(root, 'dist'), { recursive: true }) as string[])
    .map((f) => `dist/${f.split(path.sep).join('/')}`)
    .filter((f) => !f.endsWith('.map') && fs.statSync(path.join(root, f)).isFile());
  const required = new Set([
    'package.json', 'readme.md', 'LICENSE.txt',
    'dist/extension.js', 'dist/cli.js', 'dist/cli-commands.js', 'dist/sql-wasm.wasm',
    ...['compare', 'dataCompare', 'modelCard', 'monitor'].map((w) => `dist/webview/${w}.js`),
    ...distFiles,
    'python/mlops_log.py', 'python/mlops_serve.py',
    ...manifestFiles(manifest),
    ...readmeDocs(fs.readFileSync(path.join(root, 'README.md'), 'utf8')),
  ]);
  for (const f of [...required].sort()) {
    if (!shipped.has(f)) { problems.push(`${f} is missing`); }
  }
  const bundle = shipped.get('dist/extension.js');
  if (bundle !== undefined && bundle > BUNDLE_LIMIT) { problems.push(`dist/extension.js is ${bundle} bytes, over ${BUNDLE_LIMIT}`); }
  return problems;
}
