/**
 * A gate result as people and tools read it: text for a terminal, Markdown for a pull-request comment or a CI job
 * summary (renders on GitHub and GitLab; every recorded string escaped so a hostile name stays text), and SARIF
 * 2.1.0 for code scanning, pointing at goals.json, dependency files and notebooks where the evidence is.
 */
import { pathToFileURL } from 'node:url';
import { resolveCommandOf } from '../team/text';
import type { TeamConflict } from '../team/types';
import { CHECK_TITLES, GATE_CHECKS, type CheckStatus, type GateCheckResult, type GateResult } from './types';

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', waived: '~', skipped: '-' };
const WORD: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', waived: 'waived', skipped: 'skipped' };

/** "churn has 2 versions in production (2, 3): keep one with Resolve… (mlops model resolve churn --keep N)" */
export function teamConflictText(c: TeamConflict): string {
  return `${c.model} ${c.kind === 'multipleProduction' ? 'has ' : ''}${c.message} (${resolveCommandOf(c)})`;
}

function verdictLine(r: GateResult): string {
  const advisoryFails = r.checks.filter((c) => c.level === 'advisory' && c.status === 'fail').length;
  const waived = r.checks.filter((c) => c.status === 'waived').length;
  const refusals = [
    ...(r.teamConflicts ?? []).map(teamConflictText),
    ...r.blocking.map((id) => `${id} ${r.checks.find((c) => c.id === id)?.status === 'skipped' ? 'not checked' : 'failed'}`),
  ];
  const head = r.passed
    ? `PASSED${waived ? ` with ${waived} waiver${waived === 1 ? '' : 's'}` : ''}`
    : `REFUSED: ${refusals.join(', ')}`;
  return `${head}${advisoryFails ? ` (${advisoryFails} advisory check${advisoryFails === 1 ? '' : 's'} failed)` : ''}`;
}

/** One line for tag messages and notifications: `gate PASSED for churn v3 → production (8 checks)`. */
export function gateSummaryLine(r: GateResult): string {
  return `gate ${verdictLine(r)} for ${r.model} v${r.version} → ${r.stage}`;
}

export function gateText(r: GateResult): string {
  const lines = [
    `Gate for ${r.model} v${r.version} → ${r.stage}: ${verdictLine(r)}`,
    `  run ${r.runId}${r.commit.id ? `, code at ${r.commit.id.slice(0, 12)}${r.commit.from === 'option' ? ' (--commit)' : ''}` : ''}`,
  ];
  const width = Math.max(...r.checks.map((c) => c.id.length), 5);
  for (const c of r.checks) {
    lines.push(`  ${MARK[c.status]} ${c.id.padEnd(width)}  ${WORD[c.status].padEnd(7)}  ${c.level === 'advisory' ? '(advisory) ' : ''}${c.summary}`);
    if (c.waiver) { lines.push(`      waived: ${c.waiver}`); }
    if (c.status === 'fail' || c.status === 'waived') {
      const failing = c.evidence.filter((e) => e.failing);
      for (const e of failing.slice(0, 10)) { lines.push(`      ${e.text}`); }
      if (failing.length > 10) { lines.push(`      … and ${failing.length - 10} more`); }
    }
  }
  for (const p of r.problems) { lines.push(`  note: ${p}`); }
  if (r.teamConflicts?.length) {
    lines.push('Resolve the merge first (MLOps: Resolve… on the model, or the command above); no waiver lets it through.');
  }
  if (!r.passed && r.blocking.length) {
    lines.push(`Refused checks can be waived with a written reason: mlops model promote ${r.model} ${r.version} --stage ${r.stage} --waive ${r.blocking.join(',')} --reason "…"`);
  }
  return lines.join('\n') + '\n';
}

/** Markdown-escapes text from the store (names, messages) so it renders as the same text, never as markup. */
export function mdText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`)).replace(/\r\n?|\n|\u2028|\u2029/g, ' ');
}

const MD_STATUS: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', waived: '⚠️ waived', skipped: '⏭️ skipped' };

export function gateMarkdown(results: readonly GateResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`### ${r.passed ? '✅' : '❌'} ${mdText(r.model)} v${r.version} → ${mdText(r.stage)}: ${mdText(verdictLine(r))}`, '');
    out.push(`Run \`${r.runId}\`${r.commit.id ? `, code at \`${r.commit.id.slice(0, 12)}\`` : ''}${r.commit.problem ? ` (${mdText(r.commit.problem)})` : ''}.`, '');
    out.push('| Check | Level | Result | Summary |', '|---|---|---|---|');
    for (const c of r.checks) { out.push(`| ${mdText(CHECK_TITLES[c.id])} | ${c.level} | ${MD_STATUS[c.status]} | ${mdText(c.summary)}${c.waiver ? ` — waived: ${mdText(c.waiver)}` : ''} |`); }
    out.push('');
    const detailed = r.checks.filter((c) => (c.status === 'fail' || c.status === 'waived') && c.evidence.some((e) => e.failing));
    for (const c of detailed) {
      const failing = c.evidence.filter((e) => e.failing);
      out.push('<details>', `<summary>${CHECK_TITLES[c.id].replace(/'/g, '&#39;')}: ${failing.length} finding${failing.length === 1 ? '' : 's'}</summary>`, '');
      for (const e of failing.slice(0, 50)) { out.push(`- ${mdText(e.text)}`); }
      if (failing.length > 50) { out.push(`- … and ${failing.length - 50} more`); }
      out.push('', '</details>', '');
    }
    for (const p of r.problems) { out.push(`> ${mdText(p)}`, ''); }
  }
  return out.join('\n');
}

const SARIF_HELP: Record<string, string> = {
  goals: 'The model version misses a metric or KPI threshold in goals.json, or its value is unknown.',
  constraints: 'A meta-metric (latency, peak memory, model size, training duration, hardware, Python) is outside the production constraints in goals.json, or was not recorded.',
  slices: 'A sliced metric (name@key=value) varies across data slices by more than the allowed spread: the model is not consistent across data subsets.',
  lineage: 'The code, data, environment or artifact of the model version is not recorded, or no longer matches what was recorded.',
  dependencies: 'A dependency file at the run\'s commit holds an unvetted library that is not pinned, or a line pip would reject.',
  notebooks: 'Training code at the run\'s commit exists only in a notebook.',
  budget: 'The experiment that produced the model is over its budget.',
  reproduced: 'No reproduced run matches the original within the tolerance.',
};

const TEAM_RULE = 'gate/team';
const TEAM_HELP = 'A git merge left the model in conflict (two versions in production, one version number created twice, '
  + 'or a store file with conflict markers): resolve it with `mlops model resolve` or Resolve… in the Models view, then commit.';

/**
 * SARIF 2.1.0: a `gate/team` error per team conflict (never suppressed: no waiver covers it); one result per failing (or waived: suppressed) piece of evidence, located where the evidence is, else
 * at the gated version's file (code scanning rejects results without a location). `root` is SRCROOT — the
 * repository's top, so uploads resolve — and `prefix` the store's folder below it (`''` when they are the same).
 */
export function gateSarif(results: readonly GateResult[], opts: { root: string; version: string; prefix?: string }): object {
  const prefix = opts.prefix ? `${opts.prefix.replace(/\/+$/, '')}/` : '';
  const uriOf = (file: string) => `${prefix}${file}`.split('/').map(encodeURIComponent).join('/');
  const rules = [
    ...GATE_CHECKS.map((id) => ({ id: `gate/${id}`, name: id, shortDescription: { text: CHECK_TITLES[id] }, fullDescription: { text: SARIF_HELP[id] } })),
    { id: TEAM_RULE, name: 'team', shortDescription: { text: 'No conflict left by a git merge' }, fullDescription: { text: TEAM_HELP } },
  ];
  const sarifResults: object[] = [];
  const location = (file: string) => ({ physicalLocation: { artifactLocation: { uri: uriOf(file), uriBaseId: 'SRCROOT' }, region: { startLine: 1 } } });
  // A team conflict refuses the gate whatever the checks say, and no waiver covers it: always an error, never suppressed.
  const addTeam = (r: GateResult, c: TeamConflict) => {
    const versionFile = (v: number) => `.mlops/models/${c.model ?? r.model}/versions/${v}.json`;
    const files = 'file' in c && typeof c.file === 'string' ? [c.file] : 'versions' in c && c.versions.length ? c.versions.map(versionFile) : [versionFile(r.version)];
    sarifResults.push({
      ruleId: TEAM_RULE,
      ruleIndex: GATE_CHECKS.length,
      level: 'error',
      message: { text: `${r.model} v${r.version}: ${teamConflictText(c)}` },
      locations: files.map(location),
      properties: { model: r.model, version: r.version, check: 'team', conflict: c.kind },
    });
  };
  const add = (r: GateResult, c: GateCheckResult) => {
    const evidence = c.evidence.filter((e) => e.failing);
    const items = evidence.length ? evidence : [{ text: c.summary }];
    for (const e of items) {
      const located = 'file' in e && e.file !== undefined;
      const file = located ? e.file! : `.mlops/models/${r.model}/versions/${r.version}.json`;
      sarifResults.push({
        ruleId: `gate/${c.id}`,
        ruleIndex: GATE_CHECKS.indexOf(c.id),
        level: c.level === 'required' ? 'error' : 'warning',
        message: { text: `${r.model} v${r.version}: ${e.text}` },
        locations: [{ physicalLocation: {
          artifactLocation: { uri: uriOf(file), uriBaseId: 'SRCROOT' },
          region: located && 'line' in e && e.line
            ? { startLine: e.line, ...(e.column ? { startColumn: e.column } : {}), ...(e.endLine ? { endLine: e.endLine } : {}), ...(e.endColumn ? { endColumn: e.endColumn } : {}) }
            : { startLine: 1 },
        } }],
        properties: { model: r.model, version: r.version, check: c.id, status: c.status, ...('cell' in e && e.cell !== undefined ? { cell: e.cell } : {}) },
        ...(c.status === 'waived' ? { suppressions: [{ kind: 'external', justification: c.waiver ?? '' }] } : {}),
      });
    }
  };
  for (const r of results) { for (const c of r.teamConflicts ?? []) { addTeam(r, c); } }
  for (const r of results) { for (const c of r.checks) { if (c.status === 'fail' || c.status === 'waived' || (c.status === 'skipped' && c.level === 'required')) { add(r, c); } } }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'mlops gate', version: opts.version, rules } },
      originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(opts.root).href.replace(/\/?$/, '/') } },
      results: sarifResults,
    }],
  };
}
