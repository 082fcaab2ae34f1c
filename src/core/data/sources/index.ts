// Discrepancies between two sources of the same data, from their profiles.
export { compareSources, profileSimilarity } from './compare';
export * from './types';
