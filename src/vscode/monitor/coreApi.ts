/**
 * The monitor core as the editor uses it: the one place that names `src/core/monitor`'s functions, so the view,
 * the chart and the alerts depend on these signatures only.
 */
export { evaluateAlerts, monitorReport, monitoredModels, thresholdsOf, WINDOWS_FILE } from '../../core/monitor';
