// The same integration suite through @vscode/test-electron. With internet it downloads and runs desktop VS Code
// (MLOPS_TEST_DESKTOP=1); offline it hands the same call to scripts/code-shim.mjs, which runs the suite in the
// code-server build instead. Either way the suite opens a fresh copy of test/fixtures/workspace.
const path = require('path');
const fs = require('fs');
const os = require('os');
const { runTests } = require('@vscode/test-electron');

(async () => {
  const root = path.resolve(__dirname, '..');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-electron-ws-'));
  fs.cpSync(path.join(root, 'test/fixtures/workspace'), ws, { recursive: true });
  try {
    await runTests({
      ...(process.env.MLOPS_TEST_DESKTOP === '1' ? {} : { vscodeExecutablePath: path.join(__dirname, 'code-shim.mjs') }),
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
      launchArgs: [ws, '--disable-extensions'],
      extensionTestsEnv: { EXT_TEST_REPO_ROOT: root },
    });
  } catch (e) {
    console.error('Failed to run tests:', e.message);
    process.exitCode = 1;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
})();
