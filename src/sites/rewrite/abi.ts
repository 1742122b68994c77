// What rewritten code and jsprobe's runtime share: the globals a site reads, the runtime's entry
// points, and the layout of a module's table. Only this file knows a table row's field order;
// everything else reads rows as named records (see sites/load/table.ts).


import { arrayMap, SafeNumber, StringPrototypeIndexOf, StringPrototypeSlice } from '../../core/primordials.js';
/**
 * The line a rewritten module ends with (sites/hooks/rewrite-module.ts): how many sites it has. It
 * tells a rewrite apart from a module as written, for the cache, for a hook that is handed one
 * already rewritten, and for live patches, which cannot patch one (instrument.ts, unliveable).
 */
export const sitesTrailer = (sites: number): string => `\n// jsprobe sites ${sites}\n`;
/** A source ends with sitesTrailer (test its last 40 characters). */
export const SITES_TRAILER = /\n\/\/ jsprobe sites (\d+)\n$/;

import { defineOwn, ObjectGetOwnPropertyDescriptor } from '../../core/primordials.js';

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

/**
 * The global a loaded module's sync sites read next, while armed: true while every probe armed in
 * the thread is an entry-only count (`fn:… { @[func] = count() }`). A site then adds 1 to its
 * module's counter (COUNTS_LOCAL) in place, with no call: core credits the counts to their cells
 * before anything reads them (core/count-mode.ts, docs/hot-path.md). A global for the reason
 * ARMED_GLOBAL is one: TurboFan folds it, and a site in counting mode is a load, an add and a store.
 */
export const COUNTING_GLOBAL = '$jpC';

/**
 * Sets flag `name` (ARMED_GLOBAL, COUNTING_GLOBAL) on the global object, made not enumerable the
 * first time: the program's `Object.keys(globalThis)`, or a sloppy function's `this` printed, shows
 * what it shows without jsprobe. Its descriptor, not a read: a getter the program put there would run.
 */
export function setFlagGlobal(name: string, on: boolean): void {
  if (ObjectGetOwnPropertyDescriptor(globalThis, name) === undefined) defineOwn(globalThis, name, { value: on, writable: true, configurable: true });
  else (globalThis as unknown as Record<string, boolean>)[name] = on;
}

/**
 * A rewritten module's counters, one a site (a Float64Array from the runtime's `counts`): whole
 * sites add to them while COUNTING_GLOBAL is true, sites for counting alone while ARMED_GLOBAL is.
 */
export const COUNTS_LOCAL = '$jpK';

/**
 * The frame's method a loaded module's sync function reports a return with (`$jpF.exit(v)`): its
 * probe's own return (core's CallRecord.exit), made per probe so that the site's call names one
 * function (docs/load-sites.md). A runtime of an older jsprobe hands out frames without it: a
 * module registers only with a runtime whose `fx` is set, and runs unprobed under any other.
 */
export const FRAME_EXIT = 'exit';

/** The global slot array that live and breakpoint patches read (`$jpL[id]`). */
export const LIVE_SLOTS = '$jpL';

/**
 * The runtime's entry points as rewritten code calls them (`$jpD.e(…)`): entries (sync, async,
 * generator, async generator), exits (return, async return, generator completion, throw, and a
 * derived class's constructor's return, which `new` may refuse), a line
 * site, the arguments past the fourth, and the module prologue's registration, its choice of
 * the sync entry for its sites (`pick`) and its counters (`counts`). `egt` and `eagt` are the
 * generator entries as a live patch calls them, as a tag (see instrument.ts's generatorInsertions).
 * `fx` is no entry: true where the runtime's frames have FRAME_EXIT.
 */
export type RuntimeEntry = 'e' | 'ea' | 'eg' | 'eag' | 'egt' | 'eagt' | 'r' | 'ra' | 'rg' | 'rd' | 't' | 'l' | 'rest' | 'module' | 'pick' | 'counts' | 'fx';

/** A function site's row: positional, since typescript.js has 21k of them in its prologue. */
export type FunctionRow = [name: string, aliases: string[], kind: string, line: number, column: number, deferred: 0 | 1];

/** A line site's row. */
export type LineRow = [line: number, column: number, locals: string[], key: string];

/** What a function site's row says. */
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

/** What a line site's row says. */
export interface LineEntry {
  /** 1-based line and 0-based column of the statement. */
  line: number;
  column: number;
  /** Names in scope there. */
  locals: string[];
  /** Which asked-for line it stands for (see lineKey). */
  key: string;
}

/** A function site as the main thread reads it: its row, its slot, and its original source. */
export interface FunctionSlot extends FunctionEntry {
  /** Its slot in the module's slot array (its site id). */
  slot: number;
  /** With a source map: the index of the original source it comes from (-1: none); else undefined. */
  source: number | undefined;
}

/** A line site as the main thread reads it. */
export interface LineSlot extends LineEntry {
  slot: number;
}

export function functionRow(e: FunctionEntry): FunctionRow {
  return [e.name, e.aliases, e.kind, e.line, e.column, e.deferred ? 1 : 0];
}

export function lineRow(e: LineEntry): LineRow {
  return [e.line, e.column, e.locals, e.key];
}

/**
 * A module's function rows as records, with their slots (the rows' order) and the source of
 * each (`sources`: the table's fnSources). One object a row, made in one loop: typescript.js
 * has 21k rows, decoded as it loads.
 */
export function functionSlots(rows: readonly FunctionRow[], sources: readonly number[] | undefined): FunctionSlot[] {
  const out = new Array<FunctionSlot>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out[i] = { name: r[0], aliases: r[1], kind: r[2], line: r[3], column: r[4], deferred: r[5] === 1, slot: i, source: sources?.[i] };
  }
  return out;
}

/** A module's line rows as records; line sites' slots follow the `first` function sites'. */
export function lineSlots(rows: readonly LineRow[], first: number): LineSlot[] {
  return arrayMap(rows, (r, i) => ({ line: r[0], column: r[1], locals: r[2], key: r[3], slot: first + i }));
}

/** The key of an asked-for line: the index of the map's source it is in (-1: the module's own file), and its line there. */
export function lineKey(source: number, line: number): string {
  return `${source}:${line}`;
}

export function parseLineKey(key: string): { source: number; line: number } {
  const colon = StringPrototypeIndexOf(key, ':');
  return { source: SafeNumber(StringPrototypeSlice(key, 0, colon)), line: SafeNumber(StringPrototypeSlice(key, colon + 1)) };
}

/** A block conflict (a table's `unsited` row, FunctionSite.blockConflict) of a body that calls eval directly: no name has parentheses. */
export const EVAL_CONFLICT = 'eval()';

/** The same, short: for a listing, or where the long form is said elsewhere. */
export function blockConflictShort(conflict: string): string {
  return conflict === EVAL_CONFLICT ? 'calls eval directly beside functions declared at its top level' : `declares ${conflict} twice`;
}

/** What a block conflict is, in words that follow "its body ". */
export function blockConflictText(conflict: string): string {
  return conflict === EVAL_CONFLICT
    ? 'calls eval directly beside functions declared at its top level, and the eval may declare their names again'
    : `declares ${conflict} as a function at its top level and again (as a var, a parameter, another function or a function of a nested block)`;
}
