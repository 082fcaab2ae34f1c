/** Which models the Monitoring view and `mlops monitor` list: those in production and those with a log folder. */
import * as path from 'node:path';
import type { Store } from '../store/store';
import { nameProblem } from '../store/ids';
import { listLogFiles } from './log';

export interface MonitoredModel {
  model: string;
  productionVersion?: number;
  /** Whether the model's monitoring folder holds a day of its prediction log. */
  hasLog: boolean;
}

export async function monitoredModels(store: Store): Promise<MonitoredModel[]> {
  const byName = new Map<string, MonitoredModel>();
  const { items } = await store.listModelVersions();
  for (const v of items) {
    if (v.stage !== 'production') { continue; }
    const m = byName.get(v.model) ?? { model: v.model, hasLog: false };
    m.productionVersion = Math.max(m.productionVersion ?? 0, v.version);
    byName.set(v.model, m);
  }
  const root = path.join(store.dir, 'monitoring');
  const { entries } = await store.guard.list(root);
  for (const d of entries) {
    if (!(d.isDirectory() || d.isSymbolicLink()) || nameProblem(d.name, 'model') !== undefined) { continue; }
    const { files } = await listLogFiles(path.join(root, d.name), store.guard);
    const m = byName.get(d.name) ?? { model: d.name, hasLog: false };
    m.hasLog = files.length > 0;
    byName.set(d.name, m);
  }
  return [...byName.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}
