// `mlops monitor …`: a served model's windows, drift, performance, freshness and alerts; labels for its predictions.
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MlopsError, lineColumn, type Store } from '../core';
import {
  ALERT_SEVERITIES, LOG_FILE, appendFeedback, formatQuantity, monitorDir, monitorReport, monitoredModels, parseLabelFile,
  type AlertSeverity, type AlertStatus, type MonitorReport, type WindowSummary,
} from '../core/monitor';
import { UsageError, str, type Command, type Out } from './context';
import { localTime, plural, printJson, reportProblems, table } from './output';

const pct = (x: number): string => `${formatQuantity(x * 100)}%`;

/** An age in hours as people read it: `< 1 min`, `42 min`, `5.2 h`, `3.1 d`. */
export function age(hours: number): string {
  if (hours < 1 / 60) { return '< 1 min'; }
  if (hours < 1) { return `${Math.round(hours * 60)} min`; }
  if (hours < 48) { return `${Number(hours.toFixed(1))} h`; }
  return `${Number((hours / 24).toFixed(1))} d`;
}

function driftCell(w: WindowSummary): string {
  const d = w.inputDrift;
  if (!d) { return '-'; }
  const names = d.byColumn.filter((c) => c.drifted).map((c) => c.column);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')}, +${names.length - 3}` : names.join(', ');
  return `${d.drifted}/${d.columns} ${d.class}${shown ? ` (${shown})` : ''}`;
}

function predictionCell(w: WindowSummary): string {
  const d = w.predictionDrift;
  if (!d) { return w.predictionDriftNote?.startsWith('this is the first window') ? 'reference' : '-'; }
  const c = d.byColumn[0];
  return `${c ? `${c.test} ` : ''}${formatQuantity(d.score)}${d.drift ? ' drift' : ''}`;
}

function performanceCell(w: WindowSummary): string {
  const p = w.performance;
  if (!p) { return '-'; }
  return p.task === 'classification'
    ? `acc ${formatQuantity(p.accuracy ?? NaN)} f1 ${formatQuantity(p.f1 ?? NaN)} (n=${p.labelled})`
    : `mae ${formatQuantity(p.mae ?? NaN)} rmse ${formatQuantity(p.rmse ?? NaN)} (n=${p.labelled})`;
}

function latencyCell(v: number | undefined, limit: number | undefined): string {
  if (v === undefined) { return '-'; }
  return `${formatQuantity(v)}${limit !== undefined && v > limit ? ` > ${formatQuantity(limit)}` : ''}`;
}

/** The windows table: one row per window, oldest first. */
export function windowsTable(r: MonitorReport): string {
  const maxP95 = r.thresholds.find((t) => t.quantity === 'latencyMsP95' && t.source === 'constraints.maxLatencyMsP95')?.value;
  const maxAge = r.thresholds.find((t) => t.quantity === 'dataAgeHours' && t.source === 'monitoring.maxDataAge')?.value;
  const rows = r.windows.map((w) => [
    // Count windows can start within the same second: their times keep the milliseconds.
    `${r.window.kind === 'count' ? w.start.replace('T', ' ') : localTime(w.start)}${w.closed ? '' : ' (open)'}`, String(w.requests), w.requests ? pct(w.errorRate) : '-',
    latencyCell(w.latencyMs?.p50, undefined), latencyCell(w.latencyMs?.p95, maxP95), driftCell(w), predictionCell(w), performanceCell(w),
    w.dataAgeHours === null ? '-' : `${age(w.dataAgeHours)}${maxAge !== undefined && w.dataAgeHours > maxAge ? ` > ${age(maxAge)}` : ''}`,
  ]);
  return table([['WINDOW', 'REQUESTS', 'ERRORS', 'P50 MS', `P95 MS${maxP95 !== undefined ? ` (max ${formatQuantity(maxP95)})` : ''}`, 'INPUT DRIFT', 'PREDICTION DRIFT', 'PERFORMANCE', 'DATA AGE'], ...rows]);
}

function alertLine(a: AlertStatus): string {
  const state = a.firing ? (a.rule.severity === 'alert' ? 'ALERT' : 'WARNING') : a.value === undefined ? 'unknown' : 'ok';
  return `  ${state.padEnd(8)} ${a.message}`;
}

function reportText(r: MonitorReport): string {
  const out: string[] = [];
  const ref = r.reference ? `input drift against ${r.reference.dataset} ${r.reference.versionId}` : `no input drift: ${r.referenceNote ?? 'no training profile'}`;
  out.push(`Model ${r.model}: ${plural(r.windows.length, 'window')} of ${r.window.text}${r.versions.length ? `, versions ${r.versions.join(', ')}` : ''}; ${ref}`);
  if (r.windows.length === 0) { out.push('Nothing logged yet (serve the model with: mlops serve MODEL).'); } else { out.push(windowsTable(r).trimEnd()); }
  if (r.alerts.length) {
    out.push('Alerts:');
    for (const a of r.alerts) { out.push(alertLine(a)); }
  } else { out.push('No alert rules (goals.json monitoring.alerts).'); }
  return out.join('\n') + '\n';
}

/** Whether a firing alert reaches `failOn` (alert > warning). */
export function failsOn(r: MonitorReport, failOn: AlertSeverity | undefined): boolean {
  if (!failOn) { return false; }
  const rank = (s: AlertSeverity): number => ALERT_SEVERITIES.indexOf(s);
  return r.alerts.some((a) => a.firing && rank(a.rule.severity) >= rank(failOn));
}

function parseFailOn(v: string | undefined): AlertSeverity | undefined {
  if (v === undefined) { return undefined; }
  if (!(ALERT_SEVERITIES as readonly string[]).includes(v)) { throw new UsageError(`--fail-on is warning or alert, got '${v}'`); }
  return v as AlertSeverity;
}

/** What changed between two reports, as lines to print in --watch. */
export function changes(before: MonitorReport | undefined, after: MonitorReport): string[] {
  const out: string[] = [];
  const old = new Map((before?.windows ?? []).map((w) => [w.start, w]));
  const changed = after.windows.filter((w) => JSON.stringify(old.get(w.start)) !== JSON.stringify(w));
  if (changed.length) { out.push(windowsTable({ ...after, windows: changed }).trimEnd()); }
  const was = new Map((before?.alerts ?? []).map((a) => [a.rule.index, a]));
  for (const a of after.alerts) {
    const b = was.get(a.rule.index);
    if (!b || b.firing !== a.firing || (a.firing && b.message !== a.message)) { out.push(alertLine(a)); }
  }
  return out;
}

async function watch(io: Out, store: Store, model: string, opts: { window?: string; json: boolean; failOn?: AlertSeverity }, first: MonitorReport): Promise<number> {
  const dir = monitorDir(store, model);
  // Watching a model that has logged nothing yet: its folder is made (inside the store only) so the first day file is seen.
  await store.guard.ensureDir(dir);
  let last = first;
  let finish: (code: number) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const evaluate = async (): Promise<void> => {
    if (running) { again = true; return; }
    running = true;
    try {
      const next = await monitorReport(store, model, { window: opts.window });
      if (opts.json) {
        if (JSON.stringify(next.windows) !== JSON.stringify(last.windows) || JSON.stringify(next.alerts) !== JSON.stringify(last.alerts)) { io.raw(JSON.stringify(next) + '\n'); }
      } else {
        const lines = changes(last, next);
        if (lines.length) { io.stdout(`${new Date().toISOString()}\n${lines.join('\n')}\n`); }
      }
      last = next;
      // --fail-on: a rule of that severity or worse firing ends the watch with exit 1, as a single run would.
      if (failsOn(next, opts.failOn)) { finish(1); }
    } catch (e) {
      io.stderr(`mlops: ${(e as Error).message}\n`);
    } finally {
      running = false;
      if (again) { again = false; schedule(); }
    }
  };
  const schedule = (): void => { clearTimeout(timer); timer = setTimeout(() => { void evaluate(); }, 250); };
  // Only the day files: the summaries written next to them must not wake the watcher again.
  const watcher = fs.watch(dir, (_event, name) => { if (name === null || LOG_FILE.test(String(name))) { schedule(); } });
  if (failsOn(first, opts.failOn)) { watcher.close(); return 1; }
  io.stderr(`mlops: watching ${store.rel(dir)} (Ctrl+C to stop)\n`);
  return new Promise<number>((resolve) => {
    const stop = (): void => finish(0);
    finish = (code: number): void => { watcher.close(); clearTimeout(timer); process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(code); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const MONITOR_COMMANDS: Record<string, Command> = {
  'monitor': {
    options: { window: { type: 'string', short: 'w' }, 'fail-on': { type: 'string' }, watch: { type: 'boolean' } }, positionals: [0, 1],
    async run({ io, values, positionals, json, store: open }) {
      const failOn = parseFailOn(str(values, 'fail-on'));
      const store = await open();
      if (positionals.length === 0) {
        const models = await monitoredModels(store);
        if (json) { printJson(io, models); return 0; }
        if (!models.length) { io.stdout('No monitored models: none in production and nothing logged (mlops serve MODEL).\n'); return 0; }
        io.stdout(table([['MODEL', 'PRODUCTION', 'LOG'], ...models.map((m) => [m.model, m.productionVersion ? `v${m.productionVersion}` : '-', m.hasLog ? 'yes' : 'no'])]));
        return 0;
      }
      const model = positionals[0];
      const window = str(values, 'window');
      // goals.json's monitoring errors leave rules out: said on stderr, and with --fail-on a failure of its own (exit 2),
      // so a cron job never reads "no alert" from rules it could not read.
      const goalsRead = await store.goals.read().catch(() => undefined);
      const goalErrors = (goalsRead?.doc.problems ?? []).filter((p) => p.severity === 'error' && (p.path === '(file)' || p.path.startsWith('monitoring')));
      for (const p of goalErrors) {
        const at = lineColumn(goalsRead!.text, p.offset);
        io.stderr(`mlops: ${store.rel(store.goalsFile())}:${at.line}:${at.column}: ${p.message}\n`);
      }
      const r = await monitorReport(store, model, { window });
      if (json && !values.watch) { printJson(io, r); } else if (json) { io.raw(JSON.stringify(r) + '\n'); } else { io.stdout(reportText(r)); }
      reportProblems(io, r.problems.map((p) => ({ file: p.line > 0 ? `${p.file}:${p.line}` : p.file, reason: p.reason })));
      if (goalErrors.length && failOn) {
        io.stderr(`mlops: goals.json has ${plural(goalErrors.length, 'error')} in its monitoring settings, so alert rules may be missing; fix ${goalErrors.length === 1 ? 'it' : 'them'} (exit 2)\n`);
        return 2;
      }
      if (values.watch) { return watch(io, store, model, { window, json, failOn }, r); }
      return failsOn(r, failOn) ? 1 : 0;
    },
  },

  'monitor label': {
    options: { model: { type: 'string', short: 'm' } }, positionals: 1,
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      let model = str(values, 'model');
      if (model === undefined) {
        const logged = (await monitoredModels(store)).filter((m) => m.hasLog);
        if (logged.length !== 1) { throw new UsageError(`'mlops monitor label' needs --model (${logged.length ? `logged: ${logged.map((m) => m.model).join(', ')}` : 'no model has a prediction log'})`); }
        model = logged[0].model;
      }
      const file = path.resolve(io.cwd, positionals[0]);
      let text: string;
      try { text = await fsp.readFile(file, 'utf8'); } catch (e) { throw new MlopsError(`cannot read ${positionals[0]}: ${(e as Error).message}`, 'not-found'); }
      const read = parseLabelFile(text);
      if (read.items.length === 0) {
        throw new MlopsError(`${positionals[0]}: no labels read${read.problems.length ? ` (${read.problems.slice(0, 3).map((p) => `line ${p.line}: ${p.reason}`).join('; ')})` : ''}; expected CSV or JSON Lines with id and label`, 'invalid-input');
      }
      const r = await appendFeedback(store, model, read.items);
      if (json) {
        printJson(io, { model, written: r.written, already: r.already, unknown: r.unknown, errors: r.errors, problems: read.problems });
      } else {
        io.stdout(`Labelled ${plural(r.written, 'prediction')} of ${model}${r.written ? ` (appended to ${store.rel(monitorDir(store, model))})` : ''}\n`);
        if (r.already.length) { io.stdout(`Already labelled with the same value, not written again: ${r.already.length}\n`); }
        if (r.unknown.length) { io.stdout(`Unknown request ids (${r.unknown.length}): ${r.unknown.slice(0, 10).join(', ')}${r.unknown.length > 10 ? ', …' : ''}\n`); }
        for (const e of r.errors.slice(0, 20)) { io.stdout(`Not labelled: ${e.id}: ${e.reason}\n`); }
        for (const p of read.problems.slice(0, 20)) { io.stdout(`Skipped ${positionals[0]}:${p.line}: ${p.reason}\n`); }
      }
      return r.unknown.length || r.errors.length || read.problems.length ? 1 : 0;
    },
  },
};
