// Errors in a program. A ProgramError holds every diagnostic the compiler found, in source order:
// each a message, its line and column, and the source line with a caret under the fault, as
// bpftrace reports them. The command prints them all and exits 2.

/** A fault found at an offset of the program text. */
export interface Problem {
  at: number;
  message: string;
}

export interface Diagnostic extends Problem {
  line: number;
  column: number;
  /** `line:col: message`, the source line, a caret under the column. */
  report: string;
}

function diagnose(source: string, { at, message }: Problem): Diagnostic {
  const before = source.slice(0, Math.max(0, Math.min(at, source.length)));
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = before.length - lineStart + 1;
  const end = source.indexOf('\n', lineStart);
  const text = source.slice(lineStart, end < 0 ? source.length : end);
  return { at, message, line, column, report: `${line}:${column}: ${message}\n${text}\n${' '.repeat(column - 1)}^` };
}

export class ProgramError extends Error {
  readonly code = 'JSPROBE_E_PROGRAM';
  /** Every fault, in source order (at least one). */
  readonly diagnostics: readonly Diagnostic[];
  /** Line and column of the first. */
  readonly line: number;
  readonly column: number;
  /** Every diagnostic's report, one after the other. */
  readonly report: string;

  constructor(source: string, at: number, message: string);
  constructor(source: string, problems: readonly Problem[]);
  constructor(source: string, at: number | readonly Problem[], message = '') {
    const problems = typeof at === 'number' ? [{ at, message }] : [...at].sort((a, b) => a.at - b.at);
    const diagnostics = problems.map((p) => diagnose(source, p));
    super(diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'));
    this.diagnostics = diagnostics;
    this.line = diagnostics[0].line;
    this.column = diagnostics[0].column;
    this.report = diagnostics.map((d) => d.report).join('\n');
  }
}

export function isProgramError(e: unknown): e is ProgramError {
  return e instanceof ProgramError;
}
