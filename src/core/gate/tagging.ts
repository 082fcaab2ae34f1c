/**
 * The registry in git, in DVC GTO's names: registering a version tags the run's commit `<model>@v<n>.0.0`, and a
 * stage change tags it `<model>#<stage>#<k>`, the message carrying the gate's result. Asked for by `--git-tag` or
 * the `mlops.git.tagModelVersions` setting; never pushes.
 */
import { createStageTag, createVersionTag, tagMessage, type CreatedTag } from '../git/tags';
import type { ModelVersion } from '../store/schemas';
import type { Store } from '../store/store';
import type { GateResult } from './types';

async function runCommit(store: Store, mv: ModelVersion): Promise<string | undefined> {
  try { return (await store.readRun(mv.runId)).git?.commit; } catch { return undefined; }
}

/** A run that recorded no commit is tagged at HEAD, and the tag says so (like a commit missing from the repository). */
function noted(t: CreatedTag, commit: string | undefined): CreatedTag {
  return commit ? t : { ...t, fellBackToHead: 'the run recorded no git commit, so HEAD was tagged' };
}

export async function tagRegistered(store: Store, mv: ModelVersion): Promise<CreatedTag> {
  const commit = await runCommit(store, mv);
  return noted(await createVersionTag(store.root, {
    model: mv.model, version: mv.version, commit,
    message: `Register ${mv.model} version ${mv.version} from run ${mv.runId} (artifact ${mv.artifact.path}, ${mv.artifact.sha256 ? `sha256 ${mv.artifact.sha256.slice(0, 12)}` : 'not hashed'})`,
  }), commit);
}

export async function tagPromoted(store: Store, mv: ModelVersion, stage: string, gate?: GateResult): Promise<CreatedTag> {
  const commit = await runCommit(store, mv);
  return noted(await createStageTag(store.root, {
    model: mv.model, stage, commit,
    message: tagMessage(`Promote ${mv.model} version ${mv.version} to ${stage}`, gate),
  }), commit);
}
