export * from './query';
export * from './runFields';
