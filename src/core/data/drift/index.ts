export { driftBetween, driftOptionsFrom, CHART_CATEGORIES } from './drift';
export * from './types';
