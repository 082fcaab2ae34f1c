/**
 * "Extract to script": a notebook's code cells in order as a runnable Python script. Markdown becomes comments;
 * IPython-only lines are commented out with a note (a `!pip install` also gets the equivalent subprocess call, as a
 * comment, since installing at run time is what the lint warns about); imports are hoisted to module level and the
 * rest runs from `main()` behind `if __name__ == "__main__":`, so importing the script has no side effects.
 * Lines inside multi-line strings are never re-indented, so their content stays exactly as written.
 */
import { findIpythonSyntax } from './notebook';
import { scanPython, startsStatement } from './pysource';
import type { NotebookCell } from './notebook';

const INDENT = '    ';

function shellWords(cmd: string): string[] {
  const words: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(cmd))) { words.push(m[1] ?? m[2] ?? m[3]); }
  return words;
}

/** `!cmd args` → the subprocess call that does the same without a shell. */
export function shellToSubprocess(command: string, capture = false): string {
  const words = shellWords(command.replace(/^!/, '').trim());
  const args = words.length && words[0].startsWith('pip') && words[1] === 'install'
    ? ['sys.executable', "'-m'", "'pip'", ...words.slice(1).map((w) => JSON.stringify(w))].join(', ')
    : words.map((w) => JSON.stringify(w)).join(', ');
  return `subprocess.run([${args}], check=True${capture ? ', capture_output=True, text=True).stdout.splitlines()' : ')'}`;
}

export function notebookToScript(cells: readonly NotebookCell[], title: string): string {
  const head: string[] = [`"""${title.replace(/"""/g, "'''")}, extracted from a notebook by MLOps Workbench.`, '', 'Run it with: python <this file>', '"""'];
  const imports: string[] = [];
  const body: string[] = [];
  let needsSubprocess = false;
  for (const c of cells) {
    if (c.kind === 'markdown') {
      const text = c.source.trim();
      if (text) { body.push('', ...text.split('\n').map((l) => `${INDENT}# ${l.replace(/\r$/, '')}`.trimEnd())); }
      continue;
    }
    if (c.kind !== 'code' || !c.source.trim()) { continue; }
    body.push('', `${INDENT}# --- cell ${c.index + 1} ---`);
    const lines = c.source.split('\n').map((l) => l.replace(/\r$/, ''));
    if (/^\s*%%/.test(lines.find((l) => l.trim()) ?? '')) {
      // A cell magic makes the whole cell something other than Python (%%bash, %%writefile, …).
      body.push(`${INDENT}# [IPython cell magic, not run by python]`, ...lines.map((l) => `${INDENT}# ${l}`.trimEnd()));
      continue;
    }
    const ipy = new Map(findIpythonSyntax(c.source).map((h) => [h.line, h]));
    const scanned = scanPython(c.source);
    let hoisting = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const s = scanned[i];
      const hit = ipy.get(i);
      if (hit && hit.kind !== 'display') {
        const indent = line.slice(0, line.length - line.trimStart().length);
        let command = line.trim();
        body.push(`${INDENT}${indent}# [IPython only, not run by python] ${line.trim()}`);
        while (/\\$/.test(lines[i]) && i + 1 < lines.length) {
          i++;
          body.push(`${INDENT}${indent}# ${lines[i].trim()}`);
          command = command.replace(/\\$/, ' ') + lines[i].trim();
        }
        const expands = /[{$]/.test(command);
        if (hit.kind === 'shell' && /^!\s*(pip3?|python3?\s+-m\s+pip)\s+install\b/.test(command)) {
          body.push(`${INDENT}${indent}# equivalent: ${shellToSubprocess(command.replace(/^!\s*python3?\s+-m\s+/, '!'))}  (declare the package in requirements.txt instead)`);
        } else if ((hit.kind === 'shell' || hit.kind === 'shell-assign') && expands) {
          body.push(`${INDENT}${indent}# (uses IPython's {variable}/$variable expansion: translate it to subprocess by hand)`);
        } else if (hit.kind === 'shell' || hit.kind === 'shell-assign') {
          const m = /^(?:([\w.,\s]+?)\s*=\s*)?!(.*)$/.exec(command);
          if (m) {
            needsSubprocess = true;
            body.push(`${INDENT}${indent}${m[1] ? `${m[1]} = ` : ''}${shellToSubprocess(m[2], Boolean(m[1]))}`);
            continue;
          }
        }
        if (/:\s*$/.test(scanned[i - 1]?.code ?? '') || /^\s*(if|elif|else|for|while|with|def|class|try|except|finally)\b/.test(lines[i - 1] ?? '')) { body.push(`${INDENT}${indent}pass`); }
        continue;
      }
      const isImport = startsStatement(s) && /^(import|from)\s+[\w.]+/.test(line) && !/^from\s+__future__/.test(line);
      if (isImport || (hoisting && !startsStatement(s))) {
        imports.push(line);
        hoisting = true;
        continue;
      }
      if (/^from\s+__future__/.test(line)) { head.push(line); continue; }
      hoisting = false;
      body.push(s.inString || !line.trim() ? line : INDENT + line);
    }
  }
  if (needsSubprocess) { imports.unshift('import subprocess', 'import sys'); }
  const main = body.some((l) => l.startsWith(INDENT) && l.trim() && !l.trim().startsWith('#')) ? body : [...body, `${INDENT}pass`];
  return [...head, '', ...imports, '', '', 'def main() -> None:', ...main, '', '', 'if __name__ == "__main__":', `${INDENT}main()`, ''].join('\n');
}
