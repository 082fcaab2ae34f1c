/**
 * The retraining and pipeline cores, and the editor's pipeline runner, as retraining in the editor uses them: the one
 * place that names their functions, so the service, the commands and the view depend on these signatures only.
 */
export { appendRetrainLog, computeFacts, decide, episodeLogged, evaluateTriggers, logLineOf, readRetrainLog, retrainLogFile, writeAnalysisNotebook } from '../../core/retrain';
export { planPipeline, readPipeline } from '../../core/pipeline';
export { pipelineRuns, runPipelineInTerminal } from '../pipeline/runner';
export { runPipeline as runPipelineFlow } from '../pipeline/runPipeline';
