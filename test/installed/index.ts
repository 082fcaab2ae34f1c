// Loaded by the VS Code extension host through extensionTestsPath in installed mode
// (scripts/run-vscode-tests.mjs --installed); must export run().
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const results: { passed: number; failed: number; failures: { title: string; err: string }[] } = { passed: 0, failed: 0, failures: [] };
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, grep: process.env.EXT_TEST_GREP || undefined });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) { mocha.addFile(path.join(__dirname, f)); }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // The offline launcher reads this file to print "N passed, N failed".
      if (process.env.EXT_TEST_RESULTS_FILE) { fs.writeFileSync(process.env.EXT_TEST_RESULTS_FILE, JSON.stringify(results)); }
      if (failures) { reject(new Error(`${failures} smoke tests of the installed extension failed`)); } else { resolve(); }
    });
    runner.on('pass', () => { results.passed++; });
    runner.on('fail', (t, err: unknown) => {
      results.failed++;
      results.failures.push({ title: t.fullTitle(), err: String((err as Error | undefined)?.stack ?? err) });
    });
  });
}
