// Monitoring a served model: the prediction log, its windows, drift, performance, freshness and alerts (pure, no vscode).
export * from './types';
export { evaluateAlerts, formatQuantity } from './alerts';
export { appendFeedback, type FeedbackItem, type FeedbackResult } from './feedback';
export { LOG_FILE, listLogFiles, logFileOf, logLineProblem, readLogLines, type LinePosition, type LogFileRead, type ReadLogOptions, type ReadLogResult } from './log';
export { monitoredModels, type MonitoredModel } from './models';
export { addLabels, emptyPerformance, mergePerformance, performanceOf, type PerformanceState } from './performance';
export { monitoredVersion, trainingReference, type TrainingReference } from './reference';
export { REFERENCE_OUTPUTS_FILE, WINDOWS_FILE, cachedMonitorReport, graceMs, monitorDir, monitorReport, thresholdsOf, type MonitorReportOptions } from './report';
export { parseLabelFile, type LabelFileRead } from './labels';
