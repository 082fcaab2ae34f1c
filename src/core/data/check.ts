/**
 * A dataset's common schema (`schema.json`) applied to its versions and to any file: reading the schema, naming each
 * data file as a person sees it, and the findings of every profiled file.
 */
import type { Store } from '../store/store';
import type { DataVersion } from '../store/schemas';
import type { DataProfile, FileProfile } from './profile/schema';
import { parseDataSchema, sourceFor, validateProfile } from './validate';
import type { DataSchema } from './validate/schemaFile';
import type { DataFinding } from './validate/types';

export interface SchemaRead {
  file: string;
  exists: boolean;
  schema?: DataSchema;
  /** Why the file (or parts of it) could not be used. */
  problems: string[];
}

export async function readDataSchema(store: Store, dataset: string): Promise<SchemaRead> {
  const file = store.dataSchemaFile(dataset);
  const t = await store.data.readSchemaText(dataset);
  if (!t.ok) { return { file, exists: !t.missing, problems: t.missing ? [] : [t.reason] }; }
  const parsed = parseDataSchema(t.text, store.rel(file));
  return { file, exists: true, schema: parsed.schema, problems: parsed.problems };
}

/** The data file behind a profile entry, relative to the workspace when inside it (as a person would name it). */
export function dataFileOf(version: Pick<DataVersion, 'source' | 'fileCount'>, fp: Pick<FileProfile, 'path'>, sourceIsFile: boolean): string {
  if (sourceIsFile) { return version.source; }
  return version.source ? `${version.source.replace(/\/+$/, '')}/${fp.path}` : fp.path;
}

/**
 * Findings of every profiled file of a version against the schema. A version whose source was a single file has
 * that file's path as `source`; a folder's files are below it.
 */
export function versionFindings(version: DataVersion, profile: DataProfile, schema: DataSchema): DataFinding[] {
  const single = version.fileCount === 1 && profile.files.length <= 1 && !!profile.files[0] && version.source.endsWith(profile.files[0].path);
  const out: DataFinding[] = [];
  for (const fp of profile.files) {
    if (fp.error) { continue; }
    const file = dataFileOf(version, fp, single);
    out.push(...validateProfile(fp, schema, { file, source: sourceFor(schema, file) }));
  }
  return out;
}

export const hasErrors = (findings: readonly DataFinding[]): boolean => findings.some((f) => f.severity === 'error');

/** A finding as printed or exported: without the internal `locate` hint used to find its line. */
export function publicFinding(f: DataFinding): Omit<DataFinding, 'locate'> {
  const { locate: _locate, ...rest } = f;
  void _locate;
  return rest;
}
