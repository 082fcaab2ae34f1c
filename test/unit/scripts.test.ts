import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './helpers';

describe('test launchers', () => {
  it('the code shim that @vscode/test-electron spawns as "VS Code" is executable (it failed with EACCES once)', () => {
    for (const f of ['scripts/code-shim.mjs', 'scripts/run-vscode-tests.mjs']) {
      assert.doesNotThrow(() => fs.accessSync(path.join(REPO, f), fs.constants.X_OK), f);
      assert.match(fs.readFileSync(path.join(REPO, f), 'utf8'), /^#!\/usr\/bin\/env node\n/, f);
    }
  });
});
