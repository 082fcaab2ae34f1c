// Reproduce Run reads `source.script` from a committed run.json: it must not lead out of the temporary checkout.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../../src/core';
import { recordedScriptProblem, scriptInCheckout } from '../../src/core/run/scriptPath';
import { tmpDir } from './helpers';

describe('reproduce: the recorded script stays inside the checkout', () => {
  it('refuses .., absolute paths, backslashes and control characters before touching the disk', () => {
    for (const bad of ['../outside.py', 'scripts/../../x.py', '/etc/passwd', 'C:/x.py', '..\\x.py', 'a\nb.py', '']) {
      assert.ok(recordedScriptProblem(bad), `accepted ${JSON.stringify(bad)}`);
    }
    for (const good of ['train.py', 'scripts/train.py', 'a..b/c.py', '.hidden/x.py']) {
      assert.equal(recordedScriptProblem(good), undefined, good);
    }
  });

  it('resolves a script inside, and refuses one that escapes by .. or by a link', async () => {
    const base = tmpDir();
    const checkout = path.join(base, 'checkout');
    fs.mkdirSync(path.join(checkout, 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(checkout, 'scripts', 'train.py'), 'print(1)\n');
    fs.writeFileSync(path.join(base, 'outside.py'), 'print("escaped")\n');
    fs.symlinkSync(path.join(base, 'outside.py'), path.join(checkout, 'scripts', 'link.py'));
    assert.equal(await scriptInCheckout(checkout, 'scripts/train.py'), path.join(checkout, 'scripts', 'train.py'));
    await assert.rejects(scriptInCheckout(checkout, '../outside.py'), (e: unknown) => e instanceof MlopsError && /refused: it goes up/.test(e.message));
    await assert.rejects(scriptInCheckout(checkout, 'scripts/link.py'), (e: unknown) => e instanceof MlopsError && /outside the checkout/.test(e.message));
    await assert.rejects(scriptInCheckout(checkout, 'scripts/missing.py'), (e: unknown) => e instanceof MlopsError && e.kind === 'not-found');
  });
});
