// `mlops runs …`: list, show, delete, restore, tag, untag and rename runs.
import {
  RowGoals, assertText, emptyGoals, evaluateRun, formatBytes, formatCost, formatDuration, goalFields, goalsBadge, isId, summarizeMetrics,
  type Goals, type MetricSummary, type Run, type RunGoals, type Store, type StoreProblem,
} from '../core';
import {
  QueryError, compareForSort, matches, parseQuery, parseSortKey, type Expr, type RunRow, type SortKey,
} from '../core/query';
import { UsageError, parseStatus, str, type Command, type Ctx } from './context';
import { formatNumber, formatValue, localTime, printJson, reportProblems, table } from './output';
import { loadRunRows } from './runRows';
import { VERDICT_MARK, modelSizes, readGoals, reportGoalsProblems, runGoalsJson, type CliGoals } from './goals';
import { pickByName, resolveRunRef } from './runRef';
import { loadMlflowRows } from './mlflow';

/** How many metric columns `runs list` prints: the headline metric and a few more. */
const METRIC_COLUMNS = 4;

/** A usage error that points into the option's text: `--filter: expected a value at column 23 (in '…')`. */
function optionError(option: string, text: string, e: unknown): never {
  if (e instanceof QueryError) {
    const around = text.length > 60 ? `${text.slice(Math.max(0, e.column - 30), e.column + 30)}` : text;
    throw new UsageError(`--${option}: ${e.message} (in '${around}')`);
  }
  throw e;
}

export function parseLimit(s: string | undefined): number | undefined {
  if (s === undefined) { return undefined; }
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < 1) { throw new UsageError(`bad --limit '${s}': expected a whole number ≥ 1`); }
  return n;
}

/** Metrics for the table: the sort's metric first, then those most runs have (ties by name). */
function metricColumns(rows: readonly RunRow[], sort: SortKey | undefined): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) { for (const name of r.metrics.keys()) { counts.set(name, (counts.get(name) ?? 0) + 1); } }
  const byUse = [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const first = sort?.field.root === 'metrics' && sort.field.key !== undefined ? [sort.field.key] : [];
  return [...new Set([...first, ...byUse])].slice(0, METRIC_COLUMNS);
}

function metricsJson(metrics: ReadonlyMap<string, MetricSummary>): Record<string, { last: number; min: number; max: number; step: number; count: number }> {
  return Object.fromEntries([...metrics].map(([k, s]) => [k, { last: s.last, min: s.min, max: s.max, step: s.lastStep, count: s.count }]));
}

const commit = (r: Run): string => (r.git ? r.git.commit.slice(0, 8) + (r.git.dirty ? '+' : '') : '');

async function runsIn(ctx: Ctx): Promise<{ store: Store; ids: string[] }> {
  const store = await ctx.store();
  const ids: string[] = [];
  for (const ref of ctx.positionals) { ids.push(await resolveRunRef(store, ref, str(ctx.values, 'experiment'))); }
  return { store, ids };
}

function checkTags(tags: readonly string[]): void {
  for (const t of tags) { assertText(t, 'tag', 100); }
}

/** How many KPI columns `runs list` prints (the sort's KPI first); every KPI is in --json. */
const KPI_COLUMNS = 3;

/** KPI fields in a filter or sort must name a KPI of goals.json: a typo would otherwise just match no run. */
function checkKpiNames(g: CliGoals, expr: Expr | undefined, text: string | undefined, option: string): void {
  if (!expr || !g.read.doc.goals) { return; }
  const names = new Set(g.goals.kpis.map((k) => k.name));
  const stack: Expr[] = [expr];
  while (stack.length) {
    const e = stack.pop()!;
    if ('items' in e) { stack.push(...e.items); continue; }
    if (e.type === 'not') { stack.push(e.expr); continue; }
    if (e.field.root === 'kpis' && e.field.key !== undefined && !names.has(e.field.key)) {
      const known = [...names].join(', ');
      const where = g.read.exists ? `in ${g.rel} (${known ? `KPIs: ${known}` : 'it declares none'})` : `: there is no ${g.rel}`;
      throw new UsageError(`--${option}: no KPI named '${e.field.key}'${g.read.exists ? ' ' : ''}${where} (in '${text ?? ''}')`);
    }
  }
}

/** KPIs, goals and cost come from .mlops/goals.json, which says nothing about runs read from MLflow. */
function noGoalFields(expr: Expr | undefined, option: string): void {
  const stack: Expr[] = expr ? [expr] : [];
  while (stack.length) {
    const e = stack.pop()!;
    if ('items' in e) { stack.push(...e.items); continue; }
    if (e.type === 'not') { stack.push(e.expr); continue; }
    if (e.field.root === 'kpis' || e.field.root === 'goals' || e.field.root === 'cost') {
      throw new UsageError(`${option}: ${e.field.root} comes from .mlops/goals.json and does not apply to --source mlflow; import the runs first (mlops import mlflow PATH)`);
    }
  }
}

/** With `storeColumn`, a STORE column says which MLflow store each run is in (source.store). */
function runsTable(rows: readonly RunRow[], goals: Goals, rowGoals: RowGoals, sort: SortKey | undefined, storeColumn = false): string {
  const sortKpi = sort?.field.root === 'kpis' && sort.field.key !== undefined ? [sort.field.key] : [];
  const kpis = [...new Set([...sortKpi, ...goals.kpis.map((k) => k.name)])].slice(0, KPI_COLUMNS);
  const cols = metricColumns(rows, sort).slice(0, kpis.length ? Math.max(1, METRIC_COLUMNS - kpis.length) : METRIC_COLUMNS);
  const badge = goals.metrics.length > 0 || goals.kpis.length > 0 || Object.keys(goals.constraints).length > 0;
  const currency = goals.budget?.currency;
  const header = [...(storeColumn ? ['STORE'] : []), 'ID', 'EXPERIMENT', 'NAME', 'STATUS', ...(badge ? ['GOALS'] : []), 'STARTED', ...kpis, ...cols, ...(currency ? [`COST ${currency}`] : []), 'COMMIT'];
  return table([header, ...rows.map((r) => {
    const g = badge || kpis.length || currency ? rowGoals.of(r) : undefined;
    const kpiCells = kpis.map((k) => { const v = g?.kpis.get(k); return v?.ok ? formatNumber(v.value) : '-'; });
    const cost = g?.cost;
    const where = (r.run.source as { store?: unknown } | undefined)?.store;
    const store = storeColumn ? [typeof where === 'string' ? where : ''] : [];
    return [...store, r.run.id, r.run.experiment, r.run.name, r.run.status, ...(badge ? [(g && goalsBadge(g)) || '-'] : []), localTime(r.run.startTime),
      ...kpiCells, ...cols.map((c) => { const s = r.metrics.get(c); return s ? formatNumber(s.last) : '-'; }),
      ...(currency ? [cost?.known ? formatCost(cost.amount, '').trimEnd() : '-'] : []), commit(r.run)];
  })]);
}

/** The goals section of `runs show`: each check with its value, bar and verdict, then the cost. */
function describeGoals(g: CliGoals, goals: RunGoals): string {
  const lines: string[] = [];
  if (goals.checks.length) {
    lines.push(`Goals (${[`${goals.met} met`, `${goals.unmet} unmet`, `${goals.unknown} unknown`].join(', ')}; ${g.rel})`);
    const cells = goals.checks.map((c) => [`${VERDICT_MARK[c.verdict]} ${c.label}`, c.shown !== undefined ? `${c.shown}${c.unit ? ` ${c.unit}` : ''}` : '-',
      c.bar ?? (c.goal ? `${c.goal} (no threshold)` : ''), c.reason ?? '']);
    lines.push(...table(cells).trimEnd().split('\n').map((l) => `  ${l}`));
  }
  if (g.goals.budget || goals.cost.known) {
    lines.push(`Cost  ${goals.cost.known ? `${formatCost(goals.cost.amount, goals.cost.currency)} (${goals.cost.detail})` : `unknown: ${goals.cost.reason}`}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

const experimentOption = { experiment: { type: 'string', short: 'e' } } as const;

export const RUNS_COMMANDS: Record<string, Command> = {
  'runs list': {
    options: {
      ...experimentOption, status: { type: 'string' }, filter: { type: 'string', short: 'f' }, sort: { type: 'string', short: 's' }, limit: { type: 'string', short: 'n' },
      source: { type: 'string' }, all: { type: 'boolean' },
    },
    positionals: [0, 1],
    async run({ io, values, positionals, json, store: open }) {
      const source = str(values, 'source') ?? 'mlops';
      if (source !== 'mlops' && source !== 'mlflow') { throw new UsageError(`unknown --source '${source}': use mlops (the default) or mlflow`); }
      if (source === 'mlops' && positionals.length) { throw new UsageError(`'mlops runs list' takes a PATH only with --source mlflow, got '${positionals[0]}'`); }
      if (source === 'mlops' && values.all) { throw new UsageError("--all (deleted MLflow runs too) goes with --source mlflow; .mlops runs in the trash are listed by 'mlops trash list'"); }
      const status = parseStatus(str(values, 'status'));
      const filterText = str(values, 'filter');
      const sortText = str(values, 'sort');
      // Parsed before the store is opened, so a bad filter is a usage error whatever the store holds. The field names
      // do not depend on the goals; their values do (`fields` below).
      const names = goalFields(new RowGoals(emptyGoals()));
      let filter: Expr | undefined;
      let sort: SortKey | undefined;
      try { filter = filterText !== undefined ? parseQuery(filterText, names) : undefined; } catch (e) { optionError('filter', filterText ?? '', e); }
      try { sort = sortText !== undefined ? parseSortKey(sortText, names) : undefined; } catch (e) { optionError('sort', sortText ?? '', e); }
      const limit = parseLimit(str(values, 'limit'));
      let all: RunRow[];
      let problems: StoreProblem[];
      let g: CliGoals | undefined;
      let rowGoals: RowGoals;
      let emptyText = 'No runs yet. Log one with: mlops run log --experiment NAME --metric loss=0.5\n';
      const sizeProblems: StoreProblem[] = [];
      if (source === 'mlflow') {
        // Read in place, no .mlops store needed: goals (which live in .mlops) do not apply.
        const loaded = await loadMlflowRows(io.cwd, positionals[0], { all: values.all === true, experiment: str(values, 'experiment') });
        ({ rows: all, problems } = loaded);
        rowGoals = new RowGoals(emptyGoals());
        noGoalFields(filter, '--filter');
        noGoalFields(sort && { type: 'compare', field: sort.field, op: '=', value: { text: '0' } }, '--sort');
        emptyText = loaded.stores.length ? `No runs in ${loaded.stores.map((s) => s.label).join(', ')}.\n` : `No MLflow store (mlruns/ or mlflow.db) in ${io.cwd} or the folders below it.\n`;
      } else {
        const store = await open();
        g = await readGoals(store);
        checkKpiNames(g, filter, filterText, 'filter');
        checkKpiNames(g, sort && { type: 'compare', field: sort.field, op: '=', value: { text: '0' } }, sortText, 'sort');
        ({ rows: all, problems } = await loadRunRows(store, { experiment: str(values, 'experiment') }));
        const sizes = await modelSizes(store, g.goals);
        sizeProblems.push(...sizes.problems);
        rowGoals = new RowGoals(g.goals, sizes.sizeOf);
      }
      const fields = goalFields(rowGoals);
      let rows = all.filter((r) => (!status || r.run.status === status) && (!filter || matches(filter, r, fields)));
      if (sort) {
        const { field, descending } = sort;
        const get = (r: RunRow) => fields.get(field.root)?.get(r, field.key);
        rows = rows.map((r) => ({ r, v: get(r) })).sort((a, b) => compareForSort(a.v, b.v, descending)).map((x) => x.r);
      }
      if (limit !== undefined) { rows = rows.slice(0, limit); }
      if (json) {
        printJson(io, rows.map((r) => ({ ...r.run, metrics: metricsJson(r.metrics), ...runGoalsJson(rowGoals.of(r), false) })));
      } else if (rows.length === 0) {
        io.stdout(all.length ? 'No runs match.\n' : emptyText);
      } else {
        io.stdout(runsTable(rows, g?.goals ?? emptyGoals(), rowGoals, sort, source === 'mlflow'));
      }
      return Math.max(g ? reportGoalsProblems(io, g, [], false) : 0, reportProblems(io, [...problems, ...sizeProblems]));
    },
  },

  'runs show': {
    options: { ...experimentOption }, positionals: 1,
    async run(ctx) {
      const { io, json } = ctx;
      const { store, ids: [id] } = await runsIn(ctx);
      const run = await store.readRun(id);
      const { points, problems } = await store.readMetrics(id);
      const summaries = summarizeMetrics(points);
      const metrics = Object.fromEntries([...summaries].map(([k, s]) => [k, { count: s.count, last: s.last, lastStep: s.lastStep, min: s.min, max: s.max }]));
      const versions = await store.listModelVersions();
      const mine = versions.items.filter((v) => v.runId === id);
      const models = mine.map((v) => ({ model: v.model, version: v.version, stage: v.stage }));
      const g = await readGoals(store);
      const modelSizeBytes = mine.length ? Math.max(...mine.map((v) => v.artifact.sizeBytes)) : undefined;
      const goals = evaluateRun(g.goals, { run, metrics: summaries, modelSizeBytes });
      if (json) { printJson(io, { run, metrics, models, ...runGoalsJson(goals, true) }); } else { io.stdout(describeRun(run, metrics, models) + describeGoals(g, goals)); }
      return Math.max(reportGoalsProblems(io, g, [], false), reportProblems(io, [...problems, ...versions.problems]));
    },
  },

  'runs delete': {
    options: { ...experimentOption }, positionals: [1, Infinity],
    async run(ctx) {
      const { store, ids } = await runsIn(ctx);
      const done: string[] = [];
      for (const id of new Set(ids)) {
        // A damaged run.json is no reason to keep a run: it is moved all the same.
        const parsed = await store.readRunParsed(id);
        await store.trashRun(id);
        done.push(id);
        if (!ctx.json) { ctx.io.stdout(`Moved run ${id} (${parsed.ok ? parsed.value.name : 'unreadable'}) to the trash; undo with: mlops runs restore ${id}\n`); }
      }
      if (ctx.json) { printJson(ctx.io, { trashed: done }); }
      return 0;
    },
  },

  'runs restore': {
    options: { ...experimentOption }, positionals: [1, Infinity],
    async run({ io, values, positionals, json, store: open }) {
      const store = await open();
      const trash = (await store.listTrash()).items;
      const restored: string[] = [];
      for (const ref of positionals) {
        const want = ref.trim().toUpperCase();
        const byId = trash.filter((r) => r.id === want || (want.length >= 4 && r.id.startsWith(want)));
        // A full id restores even a run whose run.json cannot be read (it is not in the readable list).
        const id = isId(want) ? want : byId.length === 1 ? byId[0].id : pickByName(trash.filter((r) => !str(values, 'experiment') || r.experiment === str(values, 'experiment')), ref, str(values, 'experiment'), 'trashed run');
        await store.restoreRun(id);
        restored.push(id);
        if (!json) { io.stdout(`Restored run ${id} (${trash.find((r) => r.id === id)?.name ?? 'unreadable'})\n`); }
      }
      if (json) { printJson(io, { restored }); }
      return 0;
    },
  },

  'runs tag': {
    options: { ...experimentOption }, positionals: [2, Infinity],
    async run(ctx) {
      const [ref, ...tags] = ctx.positionals;
      checkTags(tags);
      const store = await ctx.store();
      const id = await resolveRunId(store, ref, ctx);
      const before = await store.readRun(id);
      const run = await store.updateRun(id, (r) => { r.tags = [...new Set([...r.tags, ...tags])]; });
      const added = run.tags.filter((t) => !before.tags.includes(t));
      if (ctx.json) { printJson(ctx.io, run); } else {
        ctx.io.stdout(added.length ? `Tagged run ${id} (${run.name}) with ${added.join(', ')}; tags now ${run.tags.join(', ')}\n` : `Run ${id} (${run.name}) already has ${tags.length === 1 ? 'that tag' : 'those tags'}; nothing changed\n`);
      }
      return 0;
    },
  },

  'runs untag': {
    options: { ...experimentOption }, positionals: [2, Infinity],
    async run(ctx) {
      const [ref, ...tags] = ctx.positionals;
      const store = await ctx.store();
      const id = await resolveRunId(store, ref, ctx);
      const before = await store.readRun(id);
      const missing = tags.filter((t) => !before.tags.includes(t));
      const run = missing.length === tags.length ? before : await store.updateRun(id, (r) => { r.tags = r.tags.filter((t) => !tags.includes(t)); });
      if (ctx.json) { printJson(ctx.io, run); } else {
        const removed = tags.filter((t) => before.tags.includes(t));
        ctx.io.stdout(`${removed.length ? `Removed ${removed.join(', ')} from run ${id} (${run.name})` : `Nothing removed from run ${id} (${run.name})`}`
          + `${missing.length ? `; it had no tag ${missing.join(', ')}` : ''}\n`);
      }
      return 0;
    },
  },

  'runs rename': {
    options: { ...experimentOption }, positionals: 2,
    async run(ctx) {
      const [ref, name] = ctx.positionals;
      assertText(name, 'run name');
      const store = await ctx.store();
      const id = await resolveRunId(store, ref, ctx);
      const before = await store.readRun(id);
      const run = await store.updateRun(id, (r) => { r.name = name; });
      if (ctx.json) { printJson(ctx.io, run); } else { ctx.io.stdout(`Renamed run ${id} from '${before.name}' to '${run.name}'\n`); }
      return 0;
    },
  },
};

const resolveRunId = (store: Store, ref: string, ctx: Ctx): Promise<string> => resolveRunRef(store, ref, str(ctx.values, 'experiment'));

function describeRun(run: Run, metrics: Record<string, { count: number; last: number; lastStep: number; min: number; max: number }>, models: { model: string; version: number; stage: string }[]): string {
  const lines: string[] = [];
  lines.push(`Run ${run.id}  ${run.name}`);
  lines.push(`  experiment  ${run.experiment}`);
  lines.push(`  status      ${run.status}`);
  lines.push(`  started     ${localTime(run.startTime)}${run.endTime ? `   ended ${localTime(run.endTime)}` : ''}`);
  if (run.meta.durationMs !== undefined) { lines.push(`  duration    ${formatDuration(run.meta.durationMs)}`); }
  if (run.meta.peakMemoryBytes !== undefined) { lines.push(`  peak memory ${formatBytes(run.meta.peakMemoryBytes)}`); }
  if (run.meta.hardware?.cpu) { lines.push(`  hardware    ${run.meta.hardware.cpu}${run.meta.hardware.cores ? ` × ${run.meta.hardware.cores}` : ''}`); }
  lines.push(`  git         ${run.git ? `${run.git.commit}${run.git.dirty ? ' (dirty: uncommitted changes)' : ''}${run.git.branch ? ` on ${run.git.branch}` : ''}` : '(not recorded)'}`);
  if (run.tags.length) { lines.push(`  tags        ${run.tags.join(', ')}`); }
  if (run.notes) { lines.push(`  notes       ${run.notes}`); }
  const params = Object.entries(run.params);
  if (params.length) {
    lines.push('Params');
    for (const [k, v] of params) { lines.push(`  ${k} = ${formatValue(v)}`); }
  }
  const ms = Object.entries(metrics);
  if (ms.length) {
    lines.push('Metrics (last @ step, min, max, points)');
    for (const [k, s] of ms) { lines.push(`  ${k} = ${formatNumber(s.last)} @ ${s.lastStep}   min ${formatNumber(s.min)}   max ${formatNumber(s.max)}   ${s.count}`); }
  }
  if (run.dataVersions.length) {
    lines.push('Data versions');
    for (const d of run.dataVersions) { lines.push(`  ${d.dataset} ${d.version}${d.contentHash ? ` (sha256 ${d.contentHash.slice(0, 12)})` : ''}`); }
  }
  if (models.length) {
    lines.push('Models registered from this run');
    for (const m of models) { lines.push(`  ${m.model} v${m.version} (${m.stage})`); }
  }
  return lines.join('\n') + '\n';
}
