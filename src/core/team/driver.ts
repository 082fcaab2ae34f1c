/**
 * The git merge driver (`mlops git merge-driver %O %A %B %P`): git hands it three temp files — the common ancestor
 * (empty when both sides added the file), ours (which receives the result) and theirs — and the file's path. It
 * writes only `%A`: the structural merge when there is one, else git's own conflict markers, so the person sees an
 * ordinary conflict.
 */
import { promises as fsp } from 'node:fs';
import { mergeJson } from './jsonMerge';
import { runGit } from './gitRun';

export interface MergeDriverOutcome {
  /** The driver's exit code for git: 0 merged, 1 left with conflict markers. */
  code: 0 | 1;
  /** Why it is a conflict. */
  reason?: string;
  /** On a conflict: whether git's conflict markers were written into OURS (false: OURS is unchanged). */
  markers?: boolean;
}

export async function runMergeDriver(basePath: string, oursPath: string, theirsPath: string, name: string): Promise<MergeDriverOutcome> {
  const [base, ours, theirs] = await Promise.all([basePath, oursPath, theirsPath].map((f) => fsp.readFile(f, 'utf8')));
  const merged = mergeJson(base, ours, theirs, name);
  if (merged.ok) {
    await fsp.writeFile(oursPath, merged.text, 'utf8');
    return { code: 0 };
  }
  // git's text merge of the same three, written into %A in place: the markers a person expects.
  const r = await runGit(process.cwd(), ['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', '--', oursPath, basePath, theirsPath]);
  // merge-file exits with the number of conflicts (0 to 127), negative (or 255) when it could not merge at all — a
  // binary side, a missing file — and then leaves OURS as it was.
  const failed = r.code < 0 || r.code > 127;
  return { code: 1, markers: !failed, reason: failed ? `${merged.reason}; git merge-file failed too (${r.stderr.trim() || `exit ${r.code}`})` : merged.reason };
}
