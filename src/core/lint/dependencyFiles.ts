// Which file is which format, and one entry point that parses any supported dependency file.
import * as path from 'node:path';
import type { DepFormat, ParsedDependencies } from './deps';
import { parseConda } from './conda';
import { parsePipfile } from './pipfile';
import { parsePyproject } from './pyproject';
import { parseRequirementsFile } from './requirements';
import { parseSetupCfg } from './setupcfg';

/** The dependency-file format of a path by its name, or undefined for other files. */
export function dependencyFormat(file: string): DepFormat | undefined {
  const base = path.basename(file).toLowerCase();
  // Also names with a prefix (`ci__pyproject.toml`, `py312-environment.yml`), as in flattened collections.
  if (/(^|[_.-])pyproject\.toml$/.test(base)) { return 'pyproject'; }
  if (/(^|[_.-])pipfile$/.test(base)) { return 'pipfile'; }
  if (/(^|[_.-])setup\.cfg$/.test(base)) { return 'setup.cfg'; }
  if (/(^|[_.-])(environment|conda|env)([._-][^/\\]*)?\.ya?ml$/.test(base)) { return 'conda'; }
  if (/\.(txt|in)$/.test(base) && /(requirement|constraint|lock|deps|dependencies)/.test(base)) { return 'requirements'; }
  if (base.endsWith('.in') || base === 'requirements.txt') { return 'requirements'; }
  // requirements/base.txt, requirements/pytorch/test.txt, dependencies/recommended.txt
  if (base.endsWith('.txt') && /(^|[\\/])(requirements|dependencies|deps)[\\/]/i.test(file)) { return 'requirements'; }
  return undefined;
}

export function parseDependencies(text: string, format: DepFormat): ParsedDependencies {
  switch (format) {
    case 'requirements': return parseRequirementsFile(text);
    case 'pyproject': return parsePyproject(text);
    case 'pipfile': return parsePipfile(text);
    case 'setup.cfg': return parseSetupCfg(text);
    case 'conda': return parseConda(text);
  }
}
