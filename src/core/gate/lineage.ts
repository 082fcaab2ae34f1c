/**
 * The lineage check: what was recorded when the model was made still links code, data, environment and artifact —
 * a clean commit, at least one data version that is still in the store, a recorded environment, and an artifact
 * whose bytes still hash to what was registered (a file overwritten since is a different model).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashPath } from '../data/hash';
import { MlopsError, messageOf } from '../errors';
import type { Store } from '../store/store';
import type { ModelVersion, Run } from '../store/schemas';
import { LFS_POINTER } from './atCommit';
import { result, type Level } from './checks';
import type { GateCheckResult, GateEvidence } from './types';

const short = (c: string) => c.slice(0, 12);

/** The sha256 a Git LFS pointer file names, or undefined when the file is not one. */
function lfsPointerOid(file: string): string | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  if (!LFS_POINTER.test(text)) { return undefined; }
  return /^oid sha256:([0-9a-f]{64})\s*$/m.exec(text)?.[1];
}

export interface LineageOptions {
  /** Whether the recorded commit is in the repository (undefined: not asked — no git, untrusted). */
  commitProblem?: string;
  signal?: AbortSignal;
  /**
   * `skip`: an artifact that is not on this machine (a CI checkout, where model files are gitignored or in LFS/DVC)
   * is noted and not checked, rather than failing. A file that is there and differs still fails.
   */
  missingArtifact?: 'fail' | 'skip';
}

export async function lineageCheck(level: Level, store: Store, mv: ModelVersion, run: Run | undefined, opts: LineageOptions = {}): Promise<GateCheckResult> {
  const evidence: GateEvidence[] = [];
  const labels: string[] = [];
  const fail = (text: string, label: string) => { evidence.push({ text, failing: true }); labels.push(label); };
  const ok = (text: string) => { evidence.push({ text }); };

  if (!run) {
    fail(`the run that produced it (${mv.runId}) is not in the store: deleted, in the trash, or never committed`, `run ${mv.runId} is gone`);
  } else {
    const g = run.git;
    if (!g) {
      fail('no git commit recorded: the run was made outside a git repository or with git recording off', 'no commit recorded');
    } else if (g.dirty) {
      fail(`commit ${short(g.commit)} recorded with uncommitted changes${g.diffHash ? ` (diff ${g.diffHash.slice(0, 12)})` : ''}: the code that trained it is not in any commit`, `commit ${short(g.commit)} was dirty`);
    } else {
      ok(`commit ${short(g.commit)}${g.branch ? ` on ${g.branch}` : ''}, clean`);
      if (opts.commitProblem) { evidence.push({ text: `commit ${short(g.commit)}: ${opts.commitProblem}` }); }
    }
    if (!run.dataVersions.length) {
      fail('no data version recorded: which data trained it is unknown (log the run with --data DATASET:VERSION)', 'no data version recorded');
    } else {
      for (const ref of run.dataVersions) {
        try {
          const v = await store.resolveDataVersion(ref.dataset, ref.version);
          if (ref.contentHash && ref.contentHash !== v.contentHash) {
            fail(`data ${ref.dataset}:${ref.version} recorded hash ${ref.contentHash.slice(0, 12)} but the version holds ${v.contentHash.slice(0, 12)}`, `data ${ref.dataset}:${ref.version} changed`);
          } else {
            ok(`data ${ref.dataset}:${ref.version} (${v.contentHash.slice(0, 12)}, ${v.fileCount} file${v.fileCount === 1 ? '' : 's'})`);
          }
        } catch (e) {
          fail(`data ${ref.dataset}:${ref.version}: ${messageOf(e)}`, `data ${ref.dataset}:${ref.version} is missing`);
        }
      }
    }
    const env = run.meta.environment;
    if (env?.hash) {
      ok(`environment ${env.file ? `${env.file} ` : ''}${env.hash.slice(0, 12)}${run.meta.python ? `, Python ${run.meta.python}` : ''}`);
    } else {
      fail('no environment recorded (pip freeze): the libraries it was trained with are unknown (Run Script as Experiment records them)', 'no environment recorded');
    }
  }

  let skippedArtifact = false;
  const artifact = path.isAbsolute(mv.artifact.path) ? mv.artifact.path : path.join(store.root, ...mv.artifact.path.split('/'));
  const registered = mv.artifact.sha256;
  if (!registered) {
    // Imported from MLflow by reference while the files were elsewhere: nothing was hashed, so nothing can be checked.
    fail(`artifact ${mv.artifact.path} was never hashed (imported from ${mv.artifact.uri ?? 'another tool'} while the files were not on this machine): register it again from the files`,
      `artifact ${mv.artifact.path} was never hashed`);
  } else try {
    const h = await hashPath(artifact, { signal: opts.signal });
    const now = h.kind === 'file' ? h.entries[0]?.sha256 : h.contentHash;
    const lfsOid = h.kind === 'file' && h.sizeBytes < 1024 ? lfsPointerOid(artifact) : undefined;
    if (now === registered) {
      ok(`artifact ${mv.artifact.path} unchanged (sha256 ${now.slice(0, 12)})`);
    } else if (lfsOid !== undefined && lfsOid === registered) {
      // A Git LFS checkout without `git lfs pull` (the default in CI): the pointer names the registered content.
      ok(`artifact ${mv.artifact.path} is a Git LFS pointer to the registered content (sha256 ${lfsOid.slice(0, 12)}); the file itself is not on this machine`);
    } else {
      evidence.push({ text: `artifact ${mv.artifact.path} changed since it was registered: sha256 ${registered.slice(0, 12)} then, ${(now ?? '').slice(0, 12)} now`, failing: true });
      labels.push(`artifact ${mv.artifact.path} was overwritten`);
    }
  } catch (e) {
    if (opts.missingArtifact === 'skip' && e instanceof MlopsError && e.kind === 'not-found') {
      skippedArtifact = true;
      evidence.push({ text: `artifact ${mv.artifact.path} is not on this machine, so its hash was not checked (--missing-artifact skip)` });
    } else {
      fail(`artifact ${mv.artifact.path} cannot be read: ${messageOf(e)}`, `artifact ${mv.artifact.path} is missing`);
    }
  }

  const summary = labels.length
    ? labels.slice(0, 3).join('; ') + (labels.length > 3 ? `; and ${labels.length - 3} more` : '')
    : `commit clean, data and environment recorded, ${skippedArtifact ? 'artifact not on this machine (not checked)' : 'artifact unchanged'}`;
  return result('lineage', level, labels.length ? 'fail' : 'pass', summary, evidence);
}
