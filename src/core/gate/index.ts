// The production gate: checks a model version (via its producing run) before it may go to production.
export * from './types';
