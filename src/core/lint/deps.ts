// What every dependency-file parser produces: entries with their verdict and exact place in the file.
import type { Clause } from './pep508';
import type { Span } from './types';

export type DepFormat = 'requirements' | 'pyproject' | 'conda' | 'pipfile' | 'setup.cfg';

export interface DependencyEntry {
  /** The package name as written (derived from `#egg=` or the URL for bare URLs). */
  name: string;
  /** Human-readable version constraint: `==1.2`, `>=1,<2`, `@ git+…`, `(any version)`. */
  spec: string;
  pinned: boolean;
  kind: 'requirement' | 'url' | 'vcs' | 'path' | 'conda';
  /** The whole requirement in the file. */
  span: Span;
  /** False for entries that are not runtime dependencies (conda's python/pip, build-system requires). */
  runtime: boolean;
  /** Where it is declared, e.g. `dependencies`, `optional-dependencies.dev`, `pip`. */
  group: string;
  clauses: Clause[];
  marker?: string;
  /** Conda entries that are pip packages installed through conda's `pip:` list count as pip. */
  ecosystem: 'pypi' | 'conda';
  /** For `vcs` entries: the branch, tag or commit named (`@main`, Poetry's `branch`/`tag`/`rev`), if any. */
  ref?: string;
}

export interface InvalidLine {
  span: Span;
  reason: string;
}

export interface ParsedDependencies {
  format: DepFormat;
  entries: DependencyEntry[];
  invalid: InvalidLine[];
  /** Set when the file as a whole cannot be parsed (not valid TOML or YAML): the reason, with where it fails. */
  unreadable?: string;
}
