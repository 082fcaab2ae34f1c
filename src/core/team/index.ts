// Teams sharing one `.mlops/` store through git: JSON merges, conflicts a merge leaves, their resolution, git setup.
export * from './types';
export { mergeJson } from './jsonMerge';
export { findTeamConflicts, modelTeamConflicts, unmergedStoreFiles, splitConflictMarkers, type UnmergedFile } from './conflicts';
export { multipleProductionMessage, resolveCommandOf } from './text';
export { runMergeDriver, type MergeDriverOutcome } from './driver';
export { resolveMultipleProduction, resolveVersionClaim } from './resolve';
export { mergeDriverCommand, driverFiles, setUpGitMerge, gitMergeStatus, MERGE_DRIVER_NAME } from './gitSetup';
export { STORE_GITATTRIBUTES, STORE_GITATTRIBUTES_RULES } from '../store/store';
