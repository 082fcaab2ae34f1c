import * as vscode from 'vscode';
import { MlopsError, dataVersionLabel, parseDataRef, type DataVersion, type StoreState, type ViewNode } from '../../core';
import type { Log } from '../log';
import type { WorkspaceStores } from '../stores';
import { isViewNode, pickStore } from '../ui';
import { DataComparePanel, type DataComparePair, type DataCompareSource } from './comparePanel';
import { dataComparison } from './compareSource';

/** `DATASET:VERSION_ID`: the unambiguous ref of a version (a tag may move). */
export const refOf = (v: DataVersion): string => `${v.dataset}:${v.id}`;

/** `titanic v1 ↔ v2`, or `crm-export v3 ↔ legacy-dump v1` across datasets. */
export function dataCompareTitle(a: DataVersion, b: DataVersion): string {
  return a.dataset === b.dataset ? `${a.dataset} ${dataVersionLabel(a)} ↔ ${dataVersionLabel(b)}` : `${a.dataset} ${dataVersionLabel(a)} ↔ ${b.dataset} ${dataVersionLabel(b)}`;
}

const newestFirst = (x: DataVersion, y: DataVersion) => (x.createdAt === y.createdAt ? (x.id < y.id ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1);

/** The version of the same dataset made just before `v`, if any. */
export function previousVersion(state: StoreState, v: DataVersion): DataVersion | undefined {
  return state.dataVersions.filter((o) => o.dataset === v.dataset && o.id !== v.id && newestFirst(o, v) > 0).sort(newestFirst)[0];
}

/** Arguments for non-interactive use (tests, other commands): two `DATASET[:VERSION_OR_TAG]` refs. */
export interface CompareDataArgs { a: string; b: string; root?: string }

function isArgs(x: unknown): x is CompareDataArgs {
  return typeof x === 'object' && x !== null && typeof (x as CompareDataArgs).a === 'string' && typeof (x as CompareDataArgs).b === 'string';
}

async function resolve(state: StoreState, ref: string): Promise<DataVersion> {
  const { dataset, ref: versionRef } = parseDataRef(ref);
  return state.store.resolveDataVersion(dataset, versionRef);
}

function versionItem(v: DataVersion, withDataset: boolean) {
  return { label: withDataset ? `${v.dataset} ${dataVersionLabel(v)}` : dataVersionLabel(v), description: `${v.fileCount} file${v.fileCount === 1 ? '' : 's'} · ${v.createdAt.slice(0, 16).replace('T', ' ')}`, detail: v.id, v };
}

/** Dataset → version A → version B (any dataset, so two sources can be compared); `a` given skips the first two. */
async function pickPair(state: StoreState, a?: DataVersion): Promise<[DataVersion, DataVersion] | undefined> {
  if (state.dataVersions.length < 2) { throw new MlopsError('comparing needs two data versions; tag another version of your data first (MLOps: Tag Data Version…)', 'not-found'); }
  if (!a) {
    const names = state.datasetNames().filter((n) => state.dataVersions.some((v) => v.dataset === n));
    const dataset = names.length === 1 ? names[0]
      : (await vscode.window.showQuickPick(names.map((n) => ({ label: n, description: `${state.dataVersions.filter((v) => v.dataset === n).length} versions` })), { placeHolder: 'Dataset of version A (the reference)' }))?.label;
    if (!dataset) { return undefined; }
    const picked = await vscode.window.showQuickPick(state.dataVersions.filter((v) => v.dataset === dataset).sort(newestFirst).map((v) => versionItem(v, false)),
      { placeHolder: `Version A of ${dataset} (the reference)`, matchOnDetail: true });
    if (!picked) { return undefined; }
    a = picked.v;
  }
  const first = a;
  const previous = previousVersion(state, first);
  // A's dataset first (its previous version on top), then every other dataset's versions.
  const others = state.dataVersions.filter((v) => v.id !== first.id).sort((x, y) => (x === previous ? -1 : y === previous ? 1 : Number(y.dataset === first.dataset) - Number(x.dataset === first.dataset) || x.dataset.localeCompare(y.dataset) || newestFirst(x, y)));
  const b = await vscode.window.showQuickPick(others.map((v) => versionItem(v, true)), { placeHolder: `Version B to compare with ${first.dataset} ${dataVersionLabel(first)} (any dataset)`, matchOnDetail: true, matchOnDescription: true });
  return b ? [first, b.v] : undefined;
}

/** The two versions of a data-tree selection, older first (the reference), or one version and its predecessor. */
async function fromNodes(state: StoreState, nodes: readonly ViewNode[]): Promise<[DataVersion, DataVersion] | undefined> {
  // A node that names both sides (the Data tree's "Drift from …" item under a version): that pair, the other as reference.
  const other = (nodes[0] as { otherVersionId?: unknown } | undefined)?.otherVersionId;
  if (nodes.length === 1 && typeof other === 'string' && nodes[0].versionId) {
    const [x, y] = [state.dataVersion(other), state.dataVersion(nodes[0].versionId)];
    if (!x || !y) { throw new MlopsError(`data version ${!x ? other : nodes[0].versionId} is no longer in the store`, 'not-found'); }
    return [x, y];
  }
  const versions = nodes.filter((n) => n.kind === 'dataVersion' && n.versionId).map((n) => state.dataVersion(n.versionId!)).filter((v): v is DataVersion => Boolean(v));
  if (versions.length >= 2) {
    if (versions.length > 2) { void vscode.window.showInformationMessage(`MLOps: comparing the first two of the ${versions.length} selected data versions.`); }
    const [x, y] = versions.slice(0, 2).sort(newestFirst).reverse();
    return [x, y];
  }
  if (versions.length === 1) {
    const previous = previousVersion(state, versions[0]);
    // The first version of its dataset: ask what to compare it with.
    return previous ? [previous, versions[0]] : pickPair(state, versions[0]);
  }
  return undefined;
}

/**
 * `MLOps: Compare Data Versions…`: from a data version in the Data tree (with the previous version of its dataset),
 * two selected versions, `{ a, b, root? }` refs, or, from the palette, the Data view's selection or quick picks.
 * Opens (or reveals) the panel of that pair.
 */
export async function compareDataVersions(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log, source: DataCompareSource,
  clicked?: unknown, all?: unknown, treeSelection: () => readonly ViewNode[] = () => []): Promise<DataComparePanel | undefined> {
  await stores.ready();
  let state: StoreState | undefined;
  let pair: [DataVersion, DataVersion] | undefined;
  if (isArgs(clicked)) {
    state = clicked.root ? stores.get(clicked.root) : undefined;
    if (clicked.root && !state) { throw new MlopsError(`no MLOps store in ${clicked.root}`, 'no-store'); }
    state ??= await pickStore(stores);
    if (!state) { return undefined; }
    pair = [await resolve(state, clicked.a), await resolve(state, clicked.b)];
  } else {
    const nodes = Array.isArray(all) && all.length > 1 && all.every(isViewNode) ? all : isViewNode(clicked) ? [clicked] : treeSelection();
    const root = nodes.find((n) => n.kind === 'dataVersion' || (n.versionId && 'otherVersionId' in n))?.root;
    state = root ? stores.get(root) : undefined;
    if (state) {
      const inStore = nodes.filter((n) => n.root === root);
      pair = await fromNodes(state, inStore);
    } else {
      state = await pickStore(stores);
      if (!state) { return undefined; }
      pair = await pickPair(state);
    }
  }
  if (!pair) { return undefined; }
  const [a, b] = pair;
  if (a.id === b.id) { throw new MlopsError(`${a.dataset} ${dataVersionLabel(a)} is the same version on both sides; pick two different versions`, 'invalid-input'); }
  const target: DataComparePair = { root: state.root, a: refOf(a), b: refOf(b) };
  log.info(`data compare: ${target.a} ↔ ${target.b}`);
  return DataComparePanel.show(ext, log, source, target, dataCompareTitle(a, b));
}

/** Where the panels get their reports, and how "Other Versions…" asks for a new pair. */
export function dataCompareSource(ext: vscode.ExtensionContext, stores: WorkspaceStores, log: Log): DataCompareSource {
  const source: DataCompareSource = {
    async load(pair) {
      await stores.ready();
      const state = stores.get(pair.root);
      if (!state) { throw new MlopsError(`the store in ${pair.root} is not open`, 'no-store'); }
      return dataComparison(state.store, pair.a, pair.b);
    },
    async pickOther(from) {
      await stores.ready();
      const state = stores.get(from.root);
      if (!state) { throw new MlopsError(`the store in ${from.root} is not open`, 'no-store'); }
      const pair = await pickPair(state);
      if (pair) { await compareDataVersions(ext, stores, log, source, { root: from.root, a: refOf(pair[0]), b: refOf(pair[1]) }); }
    },
  };
  return source;
}

/** For the panel serializer: the refs a page saved, back to a pair and its title (undefined when a version is gone). */
export async function restorePair(stores: WorkspaceStores, saved: { a: string; b: string; root?: string }): Promise<{ pair: DataComparePair; title: string } | undefined> {
  await stores.ready();
  for (const state of saved.root ? [stores.get(saved.root)].filter((s): s is StoreState => Boolean(s)) : stores.list()) {
    try {
      const [a, b] = [await resolve(state, saved.a), await resolve(state, saved.b)];
      return { pair: { root: state.root, a: refOf(a), b: refOf(b) }, title: dataCompareTitle(a, b) };
    } catch { /* not in this store: try the next one */ }
  }
  return undefined;
}
