// What rewritten code and jsprobe's runtime share: the globals a site reads, the runtime's entry
// points, and the layout of a module's table. Only this file knows a table row's field order;
// everything else reads rows as named records (see sites/load/table.ts).

/** Key (`Symbol.for`) of the runtime object every rewritten module reads (sites/load/runtime.ts). */
export const RUNTIME_KEY = 'jsprobe.load';

/**
 * The global every site reads first: true while any load site is armed. A global, because
 * TurboFan folds a global that has never changed into a constant (with a dependency that
 * deoptimizes the code when it does change): while nothing is armed, a site costs no instruction
 * in optimized code. bench:tsc measured a slot read on its own at ~1.3x the unprobed time for
 * typescript.js; behind this flag, ~1.05x.
 */
export const ARMED_GLOBAL = '$jpOn';

/**
 * The runtime object's name in rewritten code: a variable of its own in a rewritten module, and a
 * global for code patched while it runs (live and breakpoint sites), which may not add bindings.
 */
export const RUNTIME_GLOBAL = '$jpD';

/** The global slot array that live and breakpoint patches read (`$jpL[id]`). */
export const LIVE_SLOTS = '$jpL';

/**
 * The runtime's entry points as rewritten code calls them (`$jpD.e(…)`): entries (sync, async,
 * generator, async generator), exits (return, async return, generator completion, throw), a line
 * site, the arguments past the fourth, and the module prologue's registration.
 */
export type RuntimeEntry = 'e' | 'ea' | 'eg' | 'eag' | 'r' | 'ra' | 'rg' | 't' | 'l' | 'rest' | 'module';

/** A function site's row: positional, since typescript.js has 21k of them in its prologue. */
export type FunctionRow = [name: string, aliases: string[], kind: string, line: number, column: number, deferred: 0 | 1];

/** A line site's row. */
export type LineRow = [line: number, column: number, locals: string[], key: string];

export interface FunctionEntry {
  /** Qualified name, and the other names that match it. */
  name: string;
  aliases: string[];
  kind: string;
  /** 1-based line and 0-based column of where a listing shows it. */
  line: number;
  column: number;
  /** An async function or a generator: its return is reported when it settles or completes. */
  deferred: boolean;
}

export interface LineEntry {
  /** 1-based line and 0-based column of the statement. */
  line: number;
  column: number;
  /** Names in scope there. */
  locals: string[];
  /** Which asked-for line it stands for (see lineKey). */
  key: string;
}

export function functionRow(e: FunctionEntry): FunctionRow {
  return [e.name, e.aliases, e.kind, e.line, e.column, e.deferred ? 1 : 0];
}

export function functionEntry(row: FunctionRow): FunctionEntry {
  const [name, aliases, kind, line, column, deferred] = row;
  return { name, aliases, kind, line, column, deferred: deferred === 1 };
}

export function lineRow(e: LineEntry): LineRow {
  return [e.line, e.column, e.locals, e.key];
}

export function lineEntry(row: LineRow): LineEntry {
  const [line, column, locals, key] = row;
  return { line, column, locals, key };
}

/** The key of an asked-for line: the index of the map's source it is in (-1: the module's own file), and its line there. */
export function lineKey(source: number, line: number): string {
  return `${source}:${line}`;
}

export function parseLineKey(key: string): { source: number; line: number } {
  const [source, line] = key.split(':').map(Number);
  return { source, line };
}
