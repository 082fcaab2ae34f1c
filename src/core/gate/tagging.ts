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

export async function tagRegistered(store: Store, mv: ModelVersion): Promise<CreatedTag> {
  return createVersionTag(store.root, {
    model: mv.model, version: mv.version, commit: await runCommit(store, mv),
    message: `Register ${mv.model} version ${mv.version} from run ${mv.runId} (artifact ${mv.artifact.path}, sha256 ${mv.artifact.sha256.slice(0, 12)})`,
  });
}

export async function tagPromoted(store: Store, mv: ModelVersion, stage: string, gate?: GateResult): Promise<CreatedTag> {
  return createStageTag(store.root, {
    model: mv.model, stage, commit: gate?.commit.id ?? await runCommit(store, mv),
    message: tagMessage(`Promote ${mv.model} version ${mv.version} to ${stage}`, gate),
  });
}
