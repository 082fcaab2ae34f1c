// Retraining: triggers over a model's monitoring, data and schedule; the safety rule; the log; the analysis notebook.
export * from './schema';
export * from './types';
export { computeFacts, modelState, type ModelState } from './facts';
export { evaluateTriggers, ageText } from './evaluate';
export { decide, episodeHandledBy, withheldReason, wrongModelReason } from './decide';
export { appendRetrainLog, episodeLogged, readRetrainLog, retrainLogFile, logLineOf, RETRAIN_LOG_FORMAT_VERSION } from './log';
export { writeAnalysisNotebook } from './notebook';
export { knownModels, retrainingProblems } from './problems';
