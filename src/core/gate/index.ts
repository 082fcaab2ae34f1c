// The production gate: checks a model version (via its producing run) before it may go to production.
export * from './types';
export { runGate, runGateWithInputs, waiversOnRecord, goalsLocator, type GateOptions, type GateInputs } from './gate';
export { promoteModel, validateWaivers, isGatedStage, type PromoteOptions, type PromoteOutcome } from './promote';
export { gateText, gateMarkdown, gateSarif, gateSummaryLine, mdText } from './format';
export { sliceGroups, higherIsBetter, type SliceGroup } from './checks';
export { changedModelVersions } from './changed';
export { resolveCommit, lintAtCommit, gitUser } from './atCommit';
