/**
 * The dependency rules over parsed files. Codes are stable (used by quick fixes, `--fail-on`, SARIF):
 *   unpinned          a vetted library not pinned to one version
 *   contrib           a pinned library outside the vetted set (review it)
 *   unpinned-contrib  both: the headline warning (replaces the two above for that entry)
 *   invalid           a line pip (or the file format) would reject; the rest of the file is still linted
 *   duplicate         the same package twice in one list with conflicting constraints
 *   contrib-import    Python code importing a module of an unvetted library (information)
 *   unreadable        a file that cannot be read or parsed at all (one finding on line 1; the other files go on)
 * and the notebook and script rules of notebook.ts.
 */
import type { DependencyEntry, ParsedDependencies } from './deps';
import { normalizeName } from './pep508';
import { LineIndex, type Finding, type Severity } from './types';
import { isVetted } from './vetted';
import { NOTEBOOK_DEFAULT_SEVERITY, NOTEBOOK_RULES } from './notebook';

export const RULES = ['unpinned', 'contrib', 'unpinned-contrib', 'invalid', 'duplicate', 'contrib-import', 'unreadable', ...NOTEBOOK_RULES] as const;
export type RuleCode = (typeof RULES)[number];

export const DEFAULT_SEVERITY: Record<RuleCode, Severity> = {
  'unpinned': 'warning', 'contrib': 'info', 'unpinned-contrib': 'warning', 'invalid': 'error', 'duplicate': 'warning', 'contrib-import': 'info', 'unreadable': 'error',
  ...NOTEBOOK_DEFAULT_SEVERITY,
};

export const RULE_HELP: Record<RuleCode, string> = {
  'unpinned': 'A dependency that is not pinned to one exact version can change under a trained model when a new release comes out: results stop being reproducible and production can break without any code change.',
  'contrib': 'A library outside the vetted set has not been reviewed for production use (maintenance, licence, security). Review it, then add it to the vetted set.',
  'unpinned-contrib': 'An unreviewed library that is also not pinned: the riskiest kind of dependency. Review it and pin it to one exact version.',
  'invalid': 'pip (or the file format) would reject this line, so the environment cannot be recreated from this file.',
  'duplicate': 'The same package is declared twice with different constraints; which one wins depends on the tool.',
  'contrib-import': 'This code imports a module of a library outside the vetted set.',
  'unreadable': 'The file cannot be read or parsed (not valid JSON, TOML or YAML, not a notebook, or a read error), so none of its other rules could be checked. Tools that install from it or open it will fail the same way.',
  'ipython-syntax-in-script': 'Magics (%x, %%x), shell escapes (!cmd) and get_ipython() only work inside IPython or Jupyter; `python script.py` fails on them, so the script cannot run in a pipeline.',
  'notebook-only-training': 'Training code that exists only in a notebook cannot be scheduled or retrained by a pipeline, and its result depends on the order cells were run in. Move it to a script the notebook imports.',
  'out-of-order-execution': 'The saved execution counts are not increasing in cell order: the outputs came from hidden state, and Restart & Run All would not reproduce them.',
  'unexecuted-cells': 'Code cells that were never run in a notebook whose other cells were: the saved notebook does not show what they do.',
  'shell-install-in-notebook': 'Packages installed from a notebook are not recorded in the project\'s dependency files, so the environment cannot be recreated.',
};

export interface LintOptions {
  vetted: ReadonlySet<string>;
  /** Per-rule severity; 'off' disables the rule. */
  severity?: Partial<Record<RuleCode, Severity | 'off'>>;
}

export function severityOf(code: RuleCode, opts: LintOptions): Severity | 'off' {
  return opts.severity?.[code] ?? DEFAULT_SEVERITY[code];
}

/**
 * The finding for a file that cannot be read or parsed: one error on line 1 with the reason (where the parser
 * stopped is part of the reason), or nothing when the rule is turned off.
 */
export function unreadableFinding(file: string, reason: string, opts: LintOptions): Finding[] {
  const severity = severityOf('unreadable', opts);
  if (severity === 'off') { return []; }
  return [{ file, line: 1, column: 1, endLine: 1, endColumn: 2, severity, code: 'unreadable', message: `This file cannot be read: ${reason.replace(/\.$/, '')}. Nothing else in it was checked.` }];
}

/** Why a VCS entry without a commit is not pinned, and what to do. */
function vcsProblem(e: DependencyEntry): string {
  const at = e.ref ? `at '${e.ref}', a branch, tag or short hash that can move` : 'without a commit, so pip takes the tip of the default branch, which moves';
  return `is installed from a version-control repository ${at}: each install can get different code. Pin a full 40-character commit hash (…@<commit>)`;
}

function constraintKey(e: DependencyEntry): string {
  return e.kind === 'requirement' || e.kind === 'conda' ? e.clauses.map((c) => `${c.op}${c.version}`).sort().join(',') || e.spec : e.spec;
}

/** Findings for one parsed dependency file. */
export function lintDependencies(file: string, text: string, parsed: ParsedDependencies, opts: LintOptions): Finding[] {
  const idx = new LineIndex(text);
  const out: Finding[] = [];
  const push = (code: RuleCode, e: { span: { start: number; end: number } }, message: string, extra: Partial<Finding> = {}, severity?: Severity) => {
    const sev = severity ?? severityOf(code, opts);
    if (sev === 'off') { return; }
    out.push({ file, ...idx.range(e.span), severity: sev, code, message, ...extra });
  };
  if (parsed.unreadable !== undefined) { return unreadableFinding(file, parsed.unreadable, opts); }
  for (const inv of parsed.invalid) { push('invalid', inv, `This line would be rejected: ${inv.reason}.`); }

  const seen = new Map<string, DependencyEntry>();
  for (const e of parsed.entries) {
    const data = { name: e.name, spec: e.spec, kind: e.kind, ecosystem: e.ecosystem, format: parsed.format, group: e.group };
    const vetted = e.kind === 'path' || isVetted(e.name, opts.vetted);
    const shown = e.kind === 'path' ? e.name : `'${e.name}'`;
    if (!e.runtime) {
      if (!e.pinned) {
        const sev = severityOf('unpinned', opts);
        if (sev !== 'off') { push('unpinned', e, `${shown} is the environment's ${e.name.toLowerCase() === 'pip' ? 'installer' : 'interpreter'}, not a dependency; pin it for a fully reproducible environment.`, { package: e.name, data }, 'hint'); }
      }
    } else if (!e.pinned && !vetted) {
      push('unpinned-contrib', e, e.kind === 'vcs'
        ? `${shown} is not in the vetted set (review it) and ${vcsProblem(e)}.`
        : `${shown} is not pinned (${e.spec}) and is not in the vetted set: review it and pin it to one exact version.`, { package: e.name, data });
    } else if (!e.pinned) {
      push('unpinned', e, e.kind === 'path'
        ? `${shown} is a local path: what gets installed is whatever that folder holds at install time.`
        : e.kind === 'vcs' ? `${shown} ${vcsProblem(e)}.`
          : `${shown} is not pinned (${e.spec}): a new release can change results; pin it to one exact version with ==.`, { package: e.name, data });
    } else if (!vetted) {
      push('contrib', e, `${shown} is pinned but not in the vetted set: review it, then add it to the vetted set.`, { package: e.name, data });
    }
    if (e.kind === 'path') { continue; }
    const key = `${e.ecosystem}|${e.group}|${normalizeName(e.name)}|${e.marker ?? ''}`;
    const first = seen.get(key);
    if (!first) { seen.set(key, e); continue; }
    if (constraintKey(first) !== constraintKey(e)) {
      const at = idx.position(first.span.start).line;
      push('duplicate', e, `'${e.name}' is declared again with a different constraint (${e.spec}; line ${at} has ${first.spec}).`, { package: e.name, data: { ...data, firstLine: at } });
    }
  }
  return out;
}
