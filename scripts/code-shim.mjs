#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }) on machines that
// cannot download VS Code: turns the Electron-style flags it passes into the offline launcher's environment.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (m && m[1] === 'extensionTestsPath') env.VSCODE_TEST_TESTS_PATH = m[2];
  else if (m && m[1] === 'extensionDevelopmentPath') env.VSCODE_TEST_EXTENSION_PATH = m[2];
  else if (!a.startsWith('-')) env.VSCODE_TEST_FOLDER = a;
  // other Electron flags (--no-sandbox, --user-data-dir=…, --disable-extensions) mean nothing to the server build
}
const launcher = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-vscode-tests.mjs');
const r = spawnSync(process.execPath, [launcher], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
