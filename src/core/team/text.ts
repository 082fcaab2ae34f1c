// The words of team conflicts, shared by the core, the CLI, the gate's text and the editor (pure: no I/O).
import type { TeamConflict } from './types';

/** "2 versions in production (3, 4): keep one with Resolve…" */
export function multipleProductionMessage(versions: readonly number[]): string {
  return `${versions.length} versions in production (${versions.join(', ')}): keep one with Resolve…`;
}

/** The CLI command that resolves a conflict (`N` stands for the version to keep). */
export function resolveCommandOf(c: TeamConflict): string {
  if (c.kind === 'unmergedFile') { return `edit ${c.file}, then git add it`; }
  const model = /^[A-Za-z0-9._-]+$/.test(c.model) ? c.model : `'${c.model.replace(/'/g, `'\\''`)}'`;
  return c.kind === 'multipleProduction' ? `mlops model resolve ${model} --keep N` : `mlops model resolve ${model} --version ${c.version}`;
}

