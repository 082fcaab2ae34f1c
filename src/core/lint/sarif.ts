// SARIF 2.1.0 output of `mlops lint --format sarif`, the format GitHub code scanning reads.
import * as path from 'node:path';
import { DEFAULT_SEVERITY, RULES, RULE_HELP } from './rules';
import type { Finding, Severity } from './types';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(findings: readonly Finding[], opts: { root: string; version: string }): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'mlops lint', version: opts.version, rules: RULES.map((id) => ({
        id, name: id, shortDescription: { text: RULE_HELP[id].split('. ')[0] }, fullDescription: { text: RULE_HELP[id] },
        defaultConfiguration: { level: LEVEL[DEFAULT_SEVERITY[id]] },
      })) } },
      originalUriBaseIds: { SRCROOT: { uri: `file://${opts.root.split(path.sep).join('/').replace(/\/?$/, '/')}` } },
      results: findings.map((f) => ({
        ruleId: f.code,
        ruleIndex: RULES.indexOf(f.code as (typeof RULES)[number]),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: {
          artifactLocation: { uri: path.relative(opts.root, f.file).split(path.sep).join('/'), uriBaseId: 'SRCROOT' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        } }],
        ...(f.cell !== undefined ? { properties: { cell: f.cell } } : {}),
        ...(f.package ? { partialFingerprints: { package: f.package } } : {}),
      })),
    }],
  };
}
