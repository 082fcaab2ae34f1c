// TEMPORARY stub of teamcore's API (h-teamcore replaces this file on merge): the signatures of issue17.md, so the
// editor side compiles before the core lands.
import { MlopsError } from '../errors';
import type { Store } from '../store/store';
import type { JsonMergeResult, ProductionResolution, TeamConflict, VersionClaimResolution } from './types';

export * from './types';

const missing = (): never => { throw new MlopsError('team support is not built yet (stub)'); };
export function findTeamConflicts(_store: Store): Promise<TeamConflict[]> { return Promise.resolve(missing()); }
export function resolveMultipleProduction(_store: Store, _model: string, _keep: number): Promise<ProductionResolution> { return Promise.resolve(missing()); }
export function resolveVersionClaim(_store: Store, _model: string, _version: number): Promise<VersionClaimResolution> { return Promise.resolve(missing()); }
export function mergeJson(_base: string | undefined, _ours: string, _theirs: string, _file: string): JsonMergeResult { return missing(); }
export function mergeDriverCommand(node: string, cli: string, electron: boolean): string {
  return `${electron ? 'ELECTRON_RUN_AS_NODE=1 ' : ''}"${node}" "${cli}" git merge-driver %O %A %B %P`;
}
export function setUpGitMerge(_store: Store, _driverCommand: string): Promise<{ repoRoot: string; attributesWritten: boolean; configured: boolean }> { return Promise.resolve(missing()); }
export function gitMergeStatus(_store: Store): Promise<{ repoRoot?: string; attributes: boolean; driver?: string }> { return Promise.resolve(missing()); }
