// Errors in a program: a message, the line and column, and the source line with a caret under the
// fault. The command prints them and exits 2.

export class ProgramError extends Error {
  readonly code = 'JSPROBE_E_PROGRAM';
  readonly line: number;
  readonly column: number;
  /** The whole report: `line:col: message`, the source line, a caret. */
  readonly report: string;

  constructor(source: string, at: number, message: string) {
    const before = source.slice(0, Math.max(0, Math.min(at, source.length)));
    const line = before.split('\n').length;
    const lineStart = before.lastIndexOf('\n') + 1;
    const column = before.length - lineStart + 1;
    const end = source.indexOf('\n', lineStart);
    const text = source.slice(lineStart, end < 0 ? source.length : end);
    super(`${line}:${column}: ${message}`);
    this.line = line;
    this.column = column;
    this.report = `${line}:${column}: ${message}\n${text}\n${' '.repeat(column - 1)}^`;
  }
}

export function isProgramError(e: unknown): e is ProgramError {
  return e instanceof ProgramError;
}
