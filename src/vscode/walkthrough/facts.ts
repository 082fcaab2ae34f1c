// What the walkthrough's steps wait for, read from the stores already in memory (no file is read here): the
// run index, the data and model listings and goals.json as the views hold them. Kept free of `vscode` so a unit
// test can check it on a real store.
import type { StoreState } from '../../core';

/** One flag per walkthrough step that completes from the store's content, whoever wrote it. */
export interface WalkthroughFacts {
  hasRun: boolean;
  hasDataVersion: boolean;
  hasGoals: boolean;
  hasProduction: boolean;
}

type StoreView = Pick<StoreState, 'dataVersions' | 'modelVersions' | 'goalsFile'> & { runs: { readonly size: number } };

/** True where any of the stores has it: a workspace with two folders completes a step in either. */
export function walkthroughFacts(stores: readonly StoreView[]): WalkthroughFacts {
  return {
    hasRun: stores.some((s) => s.runs.size > 0),
    hasDataVersion: stores.some((s) => s.dataVersions.length > 0),
    hasGoals: stores.some((s) => s.goalsFile?.exists === true),
    hasProduction: stores.some((s) => s.modelVersions.some((v) => v.stage === 'production')),
  };
}
