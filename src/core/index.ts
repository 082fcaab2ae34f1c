// The pure core shared by the CLI and the extension. Never imports vscode (enforced by eslint).
export * from './errors';
export * from './store/schemas';
export * from './store/ids';
export * from './store/metrics';
export * from './store/store';
export * from './store/runIndex';
export type { StoreProblem } from './store/fsutil';
export * from './data/hash';
export * from './git/git';
export * from './input';
export * from './format';
export * from './store/jsonSchema';
export * from './store/metricCache';
export * from './views/storeState';
export * from './views/runQuery';
export * from './views/describe';
export * from './views/treeModel';
export { mapLimit } from './store/fsutil';
