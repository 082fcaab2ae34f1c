/** The workspace policy, `.mlops/policy.json` (the vetted libraries of the dependency lint, for now). */
import * as path from 'node:path';
import { MlopsError } from '../errors';
import { toJson, writeFileAtomic } from './fsutil';
import type { EntityFiles } from './entities';
import { withFileLock } from './lock';
import { FORMAT_VERSION, PolicySchema, type Policy } from './schemas';

export class PolicyStore {
  constructor(private readonly files: EntityFiles, private readonly dir: string) {}

  get file(): string { return path.join(this.dir, 'policy.json'); }

  /** The workspace policy; an absent file is the empty policy, a damaged one is an error (never overwritten). */
  async read(): Promise<Policy> {
    const parsed = await this.files.read(this.file, PolicySchema);
    if (parsed.ok) { return parsed.value; }
    if (parsed.missing) { return { formatVersion: FORMAT_VERSION }; }
    throw new MlopsError(`${parsed.problem.file}: ${parsed.problem.reason}`, 'corrupt');
  }

  /** Adds packages to the vetted list (read-modify-write under the file's lock, other fields kept). */
  async addVetted(names: readonly string[]): Promise<Policy> {
    const file = this.file;
    await this.files.guard.checkWrite(file);
    return withFileLock(file, async () => {
      const policy = await this.read();
      const next: Policy = { ...policy, vetted: [...new Set([...(policy.vetted ?? []), ...names])].sort((a, b) => a.localeCompare(b)) };
      await this.files.guard.checkWrite(file);
      await writeFileAtomic(file, toJson(next));
      return next;
    });
  }
}
