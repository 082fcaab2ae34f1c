// SARIF 2.1.0 output of `mlops data check --format sarif` (what GitHub code scanning reads), shaped like the lint's.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FINDING_CODES, type DataFinding, type FindingCode, type FindingSeverity } from './types';

const LEVEL: Record<FindingSeverity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** One line of help per finding code; the first sentence is the short description. */
export const FINDING_HELP: Record<FindingCode, string> = {
  'missing-column': 'A column of the schema is not in the file. Required columns are errors; optional ones are information.',
  'new-column': 'The file has a column the schema does not list. Add it to the schema, rename it in the source, or set allowNewColumns.',
  'type-mismatch': 'Values do not have the column\'s type. An integer column accepts whole floats such as 3.0; a float column accepts integers.',
  'out-of-range': 'Numbers fall outside the column\'s range. The range is inclusive.',
  'unexpected-category': 'Values are not among the column\'s allowed values after its mapping. Add a mapping from the source spelling to the canonical value.',
  'null-rate': 'Too many values are missing. A column that is not nullable must have none; maxNullRate caps the share.',
  'datetime-format': 'Dates are not written in the column\'s format. Convert them or change the format.',
  'missing-marker': 'Missing values are written with a marker the schema does not accept. Add the marker to missingMarkers if it means "no value".',
};

const DEFAULT_LEVEL: Record<FindingCode, 'error' | 'warning' | 'note'> = {
  'missing-column': 'error', 'new-column': 'warning', 'type-mismatch': 'error', 'out-of-range': 'error',
  'unexpected-category': 'error', 'null-rate': 'error', 'datetime-format': 'error', 'missing-marker': 'warning',
};

/**
 * A SARIF 2.1.0 log: one rule per finding code, one result per finding located at its file (relative to `baseUri`
 * when given, as SRCROOT) and line when known. The column and counts go into `properties`.
 */
export function findingsSarif(findings: readonly DataFinding[], opts: { toolVersion: string; baseUri?: string }): object {
  const base = opts.baseUri === undefined ? undefined : opts.baseUri.replace(/\/?$/, '/');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'mlops data check', version: opts.toolVersion, rules: FINDING_CODES.map((id) => ({
        id, name: id, shortDescription: { text: FINDING_HELP[id].split('. ')[0] }, fullDescription: { text: FINDING_HELP[id] },
        defaultConfiguration: { level: DEFAULT_LEVEL[id] },
      })) } },
      ...(base !== undefined ? { originalUriBaseIds: { SRCROOT: { uri: base } } } : {}),
      results: findings.map((f) => ({
        ruleId: f.code,
        ruleIndex: FINDING_CODES.indexOf(f.code),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{
          physicalLocation: {
            // A file outside the workspace is named by its own file:// URI; the rest relative to SRCROOT.
            artifactLocation: path.isAbsolute(f.file) || path.win32.isAbsolute(f.file) ? { uri: pathToFileURL(f.file).href }
              : { uri: f.file.split('\\').join('/').split('/').map(encodeURIComponent).join('/'), ...(base !== undefined ? { uriBaseId: 'SRCROOT' } : {}) },
            ...(f.line !== undefined ? { region: { startLine: f.line } } : {}),
          },
          logicalLocations: [{ name: f.column, kind: 'member' }],
        }],
        properties: {
          column: f.column,
          ...(f.count !== undefined ? { count: f.count } : {}),
          ...(f.examples ? { examples: f.examples } : {}),
          ...(f.suggestion ? { suggestion: f.suggestion } : {}),
        },
      })),
    }],
  };
}
