import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeHardware, describePython } from '../../src/core/run/environment';
import { tmpDir } from './helpers';

/** A stand-in interpreter (a real executable): answers the version question, and fails `-m pip` as a Python without pip does. */
function interpreterWithoutPip(): string {
  const file = path.join(tmpDir(), 'python');
  fs.writeFileSync(file, '#!/bin/sh\nif [ "$1" = "-m" ]; then echo "/usr/bin/python3: No module named pip" >&2; exit 1; fi\necho 3.12.1\n', { mode: 0o755 });
  return file;
}

describe('run environment (real child processes)', () => {
  it('a failed pip freeze is a problem with its cause, and the rest is still recorded', async () => {
    const python = interpreterWithoutPip();
    const env = await describePython(python);
    assert.equal(env.python, '3.12.1');
    assert.equal(env.freeze, undefined);
    assert.equal(env.problems.length, 1);
    assert.match(env.problems[0], /pip freeze` failed/);
    assert.match(env.problems[0], /exit code 1: .*No module named pip/);
  });

  it('an interpreter that does not exist is named in the problems', async () => {
    const env = await describePython(path.join(tmpDir(), 'no-such-python'));
    assert.deepEqual(Object.keys(env), ['problems']);
    assert.equal(env.problems.length, 2);
    assert.ok(env.problems.every((p) => p.includes('not found')), env.problems.join('\n'));
  });

  it('a machine without nvidia-smi has no GPUs and no problem', async () => {
    const saved = process.env.PATH;
    process.env.PATH = tmpDir();
    try {
      const { hardware, problems } = await describeHardware();
      assert.deepEqual(hardware.gpus, [], "no NVIDIA driver: an empty GPU list, so the run counts as cpu-only");
      assert.ok(hardware.cores > 0);
      assert.deepEqual(problems, []);
    } finally { process.env.PATH = saved; }
  });
});
