// Findings of every linter (dependency files, notebooks, scripts): plain data shared by the CLI and the extension.

export const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * One finding. Lines and columns are 1-based; `endColumn` is exclusive (the column after the last character),
 * as in SARIF. For notebooks, `cell` is the 0-based index of the cell and lines count inside that cell.
 */
export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  /** Stable rule code, e.g. `unpinned-contrib`. */
  code: string;
  message: string;
  /** The package the finding is about (dependency rules). */
  package?: string;
  cell?: number;
  /** Extra facts for quick fixes and hovers (e.g. the requirement text); not part of the stable output. */
  data?: Record<string, string | number | boolean>;
}

/** A 0-based position range inside a text, used while parsing. */
export interface Span {
  start: number;
  end: number;
}

/** 0-based offset → 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) { if (text.charCodeAt(i) === 10) { this.starts.push(i + 1); } }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) { lo = mid; } else { hi = mid - 1; }
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  range(span: Span): Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'> {
    const a = this.position(span.start);
    const b = this.position(span.end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }
}
