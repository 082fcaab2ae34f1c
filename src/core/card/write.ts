/**
 * Writing an exported card where the user asked (the CLI's `-o`, the panel's Export…): anywhere they like, but never
 * over a folder, never half a file (a temp file beside the target, created exclusively under a random name, then a
 * rename), and an existing file keeps its permissions.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError } from '../errors';

export async function writeCardFile(file: string, text: string): Promise<void> {
  const st = await fsp.stat(file).catch(() => undefined);
  if (st?.isDirectory()) { throw new MlopsError(`'${file}' is a folder; give a file name, e.g. ${path.join(file, 'model-card.html')}`, 'invalid-input'); }
  const dir = path.dirname(file);
  const parent = await fsp.stat(dir).catch(() => undefined);
  if (!parent?.isDirectory()) { throw new MlopsError(`cannot write '${file}': the folder ${dir} does not exist`, 'not-found'); }
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', mode: st ? st.mode & 0o777 : 0o666 });
    if (st) { await fsp.chmod(tmp, st.mode & 0o777); }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
