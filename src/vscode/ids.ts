// Every id the extension contributes, in one place; test/unit/ids.test.ts checks them against package.json.
export const EXTENSION_ID = 'mlops-workbench.mlops-workbench';

export const Commands = {
  initStore: 'mlops.initStore',
} as const;

export const ContextKeys = {
  hasStore: 'mlops.hasStore',
} as const;
