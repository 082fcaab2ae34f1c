/**
 * Reading `schema.json`: JSON with comments and trailing commas allowed (people edit it by hand), checked against the
 * zod schema, then for what zod cannot see — duplicate columns, mappings to values that are not allowed, empty ranges.
 * Every problem names the column (or source) and what is wrong.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { DATA_SCHEMA_FORMAT_VERSION, DataSchemaSchema, type DataSchema } from './schemaFile';

/** Line (1-based) of a text offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) { if (text.charCodeAt(i) === 10) { line++; } }
  return line;
}

/**
 * The plain value of a JSON tree. Own properties are defined, never assigned, so a key such as `__proto__` cannot
 * change an object's prototype; such keys are reported and dropped, since no schema field is called that.
 */
function valueOf(node: Node, problems: string[], where: string): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (!keyNode || !valueNode) { continue; }
        const key = String(keyNode.value);
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
          problems.push(`${where}: the key "${key}" is not a schema field and was ignored`);
          continue;
        }
        Object.defineProperty(out, key, { value: valueOf(valueNode, problems, where), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array': return (node.children ?? []).map((c) => valueOf(c, problems, where));
    default: return node.value as unknown;
  }
}

/** "column "Age" (3rd)" / "source "uci"" / "the schema" for a zod issue path. */
function describePath(data: unknown, issuePath: readonly PropertyKey[]): string {
  const [head, index, ...rest] = issuePath;
  const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);
  const root = rec(data);
  if ((head === 'columns' || head === 'sources') && typeof index === 'number' && root && Array.isArray(root[head])) {
    const item = rec((root[head] as unknown[])[index]);
    const name = item && typeof item.name === 'string' ? `"${item.name}"` : `#${index + 1}`;
    const what = head === 'columns' ? 'column' : 'source';
    const field = rest.length ? ` ${rest.map(String).join('.')}` : '';
    return `${what} ${name} (entry ${index + 1})${field}`;
  }
  return issuePath.length ? issuePath.map(String).join('.') : 'the schema';
}

function zodProblems(data: unknown, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${describePath(data, issue.path)}: ${issue.message}`);
}

/** Checks zod cannot express: unique names, mappings and ranges that make sense, renames to real columns. */
function semanticProblems(schema: DataSchema): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  schema.columns.forEach((col, i) => {
    const first = seen.get(col.name);
    if (first !== undefined) { problems.push(`column "${col.name}" (entry ${i + 1}) is listed twice (first as entry ${first + 1})`); } else { seen.set(col.name, i); }
    const where = `column "${col.name}"`;
    if (col.range && col.range.min !== undefined && col.range.max !== undefined && col.range.min > col.range.max) {
      problems.push(`${where}: range min ${col.range.min} is greater than max ${col.range.max}`);
    }
    if (col.mapping) {
      const fromSeen = new Set<string>();
      for (const [from, to] of col.mapping) {
        if (col.values && !col.values.includes(to)) {
          problems.push(`${where}: mapping "${from}" → "${to}" maps to a value that is not in its values (${col.values.map((v) => `"${v}"`).join(', ')})`);
        }
        if (fromSeen.has(from)) { problems.push(`${where}: "${from}" is mapped twice`); }
        fromSeen.add(from);
      }
      if (!col.values) { problems.push(`${where}: has a mapping but no values to map to; add "values"`); }
    }
    if (col.values) {
      const seenValues = new Set<string>();
      const dup = col.values.filter((v) => { const again = seenValues.has(v); seenValues.add(v); return again; });
      if (dup.length) { problems.push(`${where}: values lists ${[...new Set(dup)].map((v) => `"${v}"`).join(', ')} more than once`); }
    }
    if (col.format !== undefined && col.type !== 'datetime') { problems.push(`${where}: has a datetime format but its type is ${col.type}`); }
    if (col.range && col.type !== 'integer' && col.type !== 'float') { problems.push(`${where}: has a numeric range but its type is ${col.type}`); }
  });
  const sourceNames = new Set<string>();
  for (const src of schema.sources ?? []) {
    if (sourceNames.has(src.name)) { problems.push(`source "${src.name}" is listed twice`); }
    sourceNames.add(src.name);
    const targets = new Map<string, string>();
    for (const [from, to] of src.renames ?? []) {
      if (!seen.has(to)) { problems.push(`source "${src.name}": rename "${from}" → "${to}" names a column the schema does not have`); }
      const other = targets.get(to);
      if (other !== undefined) { problems.push(`source "${src.name}": both "${other}" and "${from}" are renamed to "${to}"`); }
      targets.set(to, from);
    }
  }
  return problems;
}

/**
 * Parses `schema.json` text. `schema` is set whenever the file has the right structure, so a small mistake in one
 * column still lets the others be checked; `problems` lists everything wrong, each naming the file and the column or
 * source. Callers that need a trustworthy schema treat any problem as an error.
 */
export function parseDataSchema(raw: string, fileLabel: string): { schema?: DataSchema; problems: string[] } {
  // Editors on Windows may save a byte order mark; it is not part of the JSON.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || !tree) {
    const first = errors[0];
    const why = first ? `${printParseErrorCode(first.error)} at line ${lineOf(text, first.offset)}` : 'the file is empty';
    return { problems: [`${fileLabel}: not valid JSON: ${why}`] };
  }
  const local: string[] = [];
  const data = valueOf(tree, local, fileLabel);
  const rec = data && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : undefined;
  if (!rec) { return { problems: [`${fileLabel}: expected a JSON object with "formatVersion", "dataset" and "columns"`] }; }
  if (typeof rec.formatVersion === 'number' && rec.formatVersion > DATA_SCHEMA_FORMAT_VERSION) {
    return { problems: [`${fileLabel}: format version ${rec.formatVersion} is newer than this tool understands (${DATA_SCHEMA_FORMAT_VERSION}); update MLOps Workbench`] };
  }
  const parsed = DataSchemaSchema.safeParse(data);
  if (!parsed.success) { return { problems: [...local, ...zodProblems(data, parsed.error).map((p) => `${fileLabel}: ${p}`)] }; }
  const problems = [...local, ...semanticProblems(parsed.data).map((p) => `${fileLabel}: ${p}`)];
  return { schema: parsed.data, problems };
}
