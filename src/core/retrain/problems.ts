/**
 * Problems of goals.json's retraining section that only the store can tell (the pipeline files' models), as goals
 * warnings at their place in the file.
 */
import { retrainingStoreProblems, type GoalsProblem } from '../goals/document';
import type { GoalsRead } from '../goals/file';
import type { Store } from '../store/store';
import { monitoredModels } from '../monitor/models';
import { pipelineModel } from './facts';

export async function retrainingProblems(store: Store, read: GoalsRead): Promise<GoalsProblem[]> {
  const goals = read.doc.goals;
  if (!goals?.retraining.triggers.length) { return []; }
  const pipelineModels = new Map<string, string | undefined>();
  for (const t of goals.retraining.triggers) { if (t.pipeline) { await pipelineModel(store, t.pipeline, pipelineModels); } }
  return retrainingStoreProblems(read.text, goals, { pipelineModels, models: await knownModels(store) });
}

/** Every model that is registered or monitored (has a monitoring folder). */
export async function knownModels(store: Store): Promise<Set<string>> {
  const { items } = await store.listModelVersions().catch(() => ({ items: [] as { model: string }[] }));
  return new Set([...items.map((v) => v.model), ...(await monitoredModels(store).catch(() => [])).map((m) => m.model)].sort());
}
