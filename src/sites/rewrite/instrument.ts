// Rewriting a module so that every function has a disarmed probe site (ftrace's fentry nops):
// a prologue that reads one slot, `return`s that pass their value out through the site, a
// catch for throws and, for generators, a finally for completion. A disarmed site costs one load
// and compare per call. Inserted text never holds a newline, so line numbers stay.
//
// The names below (`$jp…`) are the only identifiers the rewrite adds to a module; the ones the
// runtime shares are named in abi.ts. They are short on purpose: typescript.js has 21k functions,
// and every byte added is parsed at every load.

import { createRequire } from 'node:module';
import {
  ARMED_GLOBAL, blockConflictText, COUNTING_GLOBAL, COUNTS_LOCAL, FRAME_EXIT,
  functionRow, lineRow, RUNTIME_GLOBAL as D, RUNTIME_KEY, SITES_TRAILER, type FunctionEntry,
  type FunctionRow,
  type LineRow, type RuntimeEntry,
} from './abi.js';
import type { Program } from './estree.js';
import { derivedWithReturn, findFunctions, type FunctionSite, type ReturnSite } from './functions.js';
import { findLineSites, type LineAsk, type LineSite } from './lines.js';
import { apply, closing, lineOf, lineStarts, opening, type Insertion, type Shifts } from './insertions.js';
import type { CountKind } from '../../core/probe.js';
import { builtinsIntact } from './builtins-intact.js';
import { loadBinding, type Binding, type OxcError } from './oxc-binding.js';
import {
  arrayConcat, arrayFilter, arrayMap, ArrayPrototypeIncludes, ArrayPrototypeJoin, ArrayPrototypeLastIndexOf, ArrayPrototypeSlice, arraySome, JSONParse,
  JSONStringify, MathMax, regExpTest, SafeBigInt, SafeRegExp, setOf, StringPrototypeIndexOf, StringPrototypeLastIndexOf, StringPrototypeSlice,
  StringPrototypeStartsWith, stringSplit,
} from '../../core/primordials.js';

export interface ModuleTable {
  /** Format version of this table. */
  v: 1;
  url: string;
  /** Each function site's row, by site id (see abi.ts). */
  fns: FunctionRow[];
  /** Each line site's row; their ids follow the function sites'. */
  lines: LineRow[];
  /** Keys of asked-for lines that no statement starts on. */
  misses: string[];
  /**
   * Functions left without a site, as [name, 1-based line, why]: a body that declares a name both
   * as a function and otherwise, which the site's `try` block cannot hold (FunctionSite.blockConflict).
   * Absent when there are none.
   */
  unsited?: [name: string, line: number, conflict: string, aliases?: string[]][];
  /** Per 0-based line, the [column, length] of text inserted there: to map positions back. */
  shifts: [number, [number, number][]][];
  /**
   * With a source map: the index of the original source each function site comes from (-1: none,
   * code the compiler or bundler added), so that `src/a.ts:*` takes only a.ts's functions of a bundle.
   */
  fnSources?: number[];
}

export interface InstrumentOptions {
  url: string;
  format: 'module' | 'script';
  /**
   * Positions of this code that get a line site (the first statement that starts there or later
   * on that line), each with a key that says which asked-for line it stands for (a .ts line maps
   * to a JavaScript position).
   */
  lines?: readonly (LineAsk & { key: string })[];
  /** More fields for the table the module hands the load registry. */
  extra?: Record<string, unknown>;
  /**
   * With a source map: where a position (1-based line, 0-based column) comes from, the index of
   * its original source (-1: none; see ModuleTable.fnSources) and the original name of the
   * identifier there, if the map gives one.
   */
  origin?: (line: number, column: number) => { source: number; name: string | null; line?: number | null; column?: number | null };
  /** With a source map: the function of an original source that begins at a position there (see original-names.ts). */
  original?: (source: number, line: number, column: number) => { name: string; aliases: string[] } | undefined;
  /**
   * The module's own source map, `{ sources, mappings }` as JSON (sources absolute), handed over
   * with the shifts so that a stack read at a hit names the original file, line and column.
   */
  mapText?: string;
  /**
   * Every function of the module is for counting its calls alone (the one probe that wants the
   * module only counts, and its registrations are sealed: sites/load/wanted.ts): a sync function
   * gets only `$jpOn&&$jpK[id]++`, at the start of its body for a count at entry
   * (countOnlyInsertions), after each return's value and in a catch for a count as calls end
   * (returnCountInsertions); async functions and generators get their whole sites, as ever.
   */
  countOnly?: CountKind;
}

export interface Instrumented {
  code: string;
  table: ModuleTable;
  sites: FunctionSite[];
  lineSites: LineSite<LineAsk & { key: string }>[];
  shifts: Shifts;
  starts: number[];
}

export class ParseError extends Error {
  constructor(readonly url: string, readonly line: number, readonly column: number, message: string) {
    super(`${url}:${line}:${column}: ${message}`);
  }
}

// oxc-parser: a Rust parser shipped as an npm binary. It parses typescript.js (9 MB) cold in
// ~0.6-0.8 s here against meriyah's ~1.05 s, most of either being the JavaScript AST it hands back;
// and it parses TypeScript, for listing .ts files that have not loaded.
type Oxc = typeof import('oxc-parser');
type ParserOptions = NonNullable<Parameters<Oxc['parseSync']>[2]>;
/**
 * oxc's JavaScript, for its raw route alone, and its binding below: loaded at the first parse that
 * needs them, not with this module: the command and the agent load this module at start, and most
 * processes a program starts under `jsprobe -c` never parse anything (the binary and its
 * JavaScript cost ~30 ms and ~8 MB).
 */
let oxc: Oxc | undefined;
/**
 * oxc's native parse (oxc-binding.ts), which hands the AST over as JSON text (and `fixes`: the paths
 * of the BigInt and RegExp literals, whose values JSON cannot hold). jsprobe reads it itself, with
 * the JSON.parse, BigInt and RegExp captured at load, rather than through oxc's `parseSync`, whose
 * JavaScript does it with the globals and Array's iterator as the program has them then.
 */
let binding: Binding | undefined;
/**
 * On Node >= 22 oxc can hand its AST over as raw memory instead of as JSON to parse: typescript.js
 * then parses in ~0.45 s instead of ~1.4 s (Node 22 here). Node 20 cannot make the 4+ GiB
 * ArrayBuffer it needs, so there the JSON route stays. Asked at the first big parse: oxc's check
 * calls String.prototype.match.
 */
let raw: boolean | undefined;
/**
 * Below this size the JSON route is taken even where raw transfer works: the first raw parse of a
 * process makes its buffer, which cost ~50-90 ms and a full garbage collection (V8 counts the
 * buffer as external memory) at the start of every traced process, and a 10 kB module parsed in
 * ~0.6 ms by JSON against ~7 ms raw (Node 24, bench:startup). That collection is a pause that
 * grows with the live heap (~1.8 s at 200 MB on a loaded machine): where the process is not
 * jsprobe's own (-p), the runtime lets the raw route run only when such a pause fits its budget.
 */
const RAW_MIN_BYTES = 1 << 20;
let rawAllowed: () => boolean = () => true;

/** Take oxc's raw route only while `allowed()` says so (it is asked before each parse). */
export function rawTransferWhen(allowed: () => boolean): void {
  rawAllowed = allowed;
}

/**
 * The raw route's deserializer is oxc's JavaScript, calling the built-ins as they are: it is taken
 * only while none of them was replaced (builtins-intact.ts), and costs the JSON route's time else.
 */
function oxcParse(url: string, src: string, options: ParserOptions): { program: Program; errors: OxcError[] } {
  if (src.length >= RAW_MIN_BYTES && rawAllowed() && builtinsIntact()) {
    // oxc's JavaScript, loaded only here: its load runs code on the built-ins too.
    oxc ??= createRequire(import.meta.url)('oxc-parser') as Oxc;
    raw ??= oxc.rawTransferSupported();
    if (raw) {
      try {
        // The option is read by oxc's JavaScript side and is missing from its types.
        const r = oxc.parseSync(url, src, { ...options, experimentalRawTransfer: true } as ParserOptions);
        return { program: r.program, errors: r.errors };
      } catch {
        // No room for its buffer (it reserves 6 GiB of address space): the JSON route below.
      }
    }
  }
  binding ??= loadBinding();
  const r = binding.parseSync(url, src, options);
  return { program: programOf(r.program), errors: r.errors };
}

/** The program of oxc's JSON, its BigInt and RegExp literals given their values (oxc's wrap.js, with what jsprobe captured). */
function programOf(json: string): Program {
  const parsed = JSONParse(json) as { node: Program; fixes: (string | number)[][] };
  const fixes = parsed.fixes;
  for (let i = 0; i < fixes.length; i++) {
    let node = parsed.node as unknown as Record<string | number, unknown>;
    for (let j = 0; j < fixes[i].length; j++) node = node[fixes[i][j]] as Record<string | number, unknown>;
    if (typeof node.bigint === 'string') {
      node.value = SafeBigInt(node.bigint);
    } else {
      const regex = node.regex as { pattern: string; flags: string };
      try {
        node.value = SafeRegExp(regex.pattern, regex.flags);
      } catch {
        // A pattern this Node cannot compile: the literal's value stays null, as oxc leaves it.
      }
    }
  }
  return parsed.node;
}

/** Parse JavaScript (`script` is CommonJS: a top-level return is allowed) or TypeScript. */
export function parse(src: string, format: 'module' | 'script', url: string, lang: 'js' | 'ts' = 'js'): Program {
  // Options with no prototype: the parser reads the options it lacks here, and must not find the program's on Object.prototype.
  const options = { __proto__: null, sourceType: format === 'module' ? 'module' : 'commonjs', lang } as ParserOptions;
  const r = oxcParse(url, src, options);
  if (r.errors.length > 0) {
    const e = r.errors[0];
    const at = e.labels[0]?.start ?? 0;
    let line = 1;
    for (let i = StringPrototypeIndexOf(src, '\n'); i >= 0 && i < at; i = StringPrototypeIndexOf(src, '\n', i + 1)) line++;
    const lineStart = at > 0 ? StringPrototypeLastIndexOf(src, '\n', at - 1) + 1 : 0;
    throw new ParseError(url, line, at - lineStart, e.message);
  }
  return r.program;
}

/** The arguments of an entry call: `argc, a0, a1, a2, a3, rest`. */
function argsOf(site: FunctionSite, live: boolean): string {
  if (site.usesArguments || (site.kind !== 'arrow' && ArrayPrototypeIncludes(site.params, null))) {
    return `arguments.length,arguments[0],arguments[1],arguments[2],arguments[3],arguments.length>4?${rt('rest', live)}(arguments):void 0`;
  }
  // Declared parameters (after defaults): reading `arguments` would allocate it on every call.
  const named = arrayMap(site.params, (p) => p ?? 'void 0');
  const slots = arrayMap([0, 1, 2, 3], (i) => named[i] ?? 'void 0');
  const over = ArrayPrototypeSlice(named, 4);
  let rest = 'void 0';
  if (over.length > 0 && site.rest !== null) rest = `[${ArrayPrototypeJoin(over, ',')},...${site.rest}]`;
  else if (over.length > 0) rest = `[${ArrayPrototypeJoin(over, ',')}]`;
  else if (site.rest !== null) rest = site.rest;
  const argc = site.rest !== null ? `${named.length}+${site.rest}.length` : String(named.length);
  if (site.rest !== null && named.length < 4) {
    // The rest parameter's first elements fill the slots the declared ones leave.
    const fill = arrayMap([0, 1, 2, 3], (i) => (i < named.length ? named[i] : `${site.rest}[${i - named.length}]`));
    return `${argc},${ArrayPrototypeJoin(fill, ',')},${site.rest}.length>${4 - named.length}?${site.rest}.slice(${4 - named.length}):void 0`;
  }
  // Trailing undefined arguments are left out: a missing argument is undefined anyway.
  const list = arrayConcat([argc], slots, [rest]);
  while (list[list.length - 1] === 'void 0') list.length--;
  return ArrayPrototypeJoin(list, ',');
}

/**
 * A loaded module's copies of the runtime's entries (sync, async, generator, async generator, and
 * the arguments past the fourth), return and throw, taken once by its prologue (a sync return
 * calls its frame's exit instead, exitCall: `$jpR` is left unused, for now); the sync entry is
 * the one the runtime picks for what is armed in the module then (sites/load/runtime.ts). Called as
 * `$jpE(…)` rather than `$jpD.e(…)`, each call is 5 bytes of bytecode shorter (no property load),
 * and a probed one-liner is paid for by the bytecode of its rewritten form in every caller that V8
 * considers inlining it into (docs/hot-path.md). They are hoisted functions that do nothing until
 * the prologue runs, as the slots are: a function of this module called before its body has run
 * (through an ES module cycle), while a site elsewhere is armed, calls straight through, unseen,
 * where reading the runtime's properties would throw into the program. Live patches add nothing
 * at module scope and keep `$jpD.…`.
 */
const LOCAL: Partial<Record<RuntimeEntry, string>> = {
  e: '$jpE', ea: '$jpEa', eg: '$jpEg', eag: '$jpEag', rest: '$jpRest', r: '$jpR', t: '$jpT',
};
/** LOCAL's entries, listed once at load. */
const LOCAL_ENTRIES = Object.entries(LOCAL) as [RuntimeEntry, string][];

/** A call of the runtime's entry point `entry`: the module's own copy where it has one and `live` is false. */
function rt(entry: RuntimeEntry, live = true): string {
  // rd is newer than the runtime an older copy of jsprobe may have left in the process (its global,
  // kept after a detach, serves a later attach's live patches; its Symbol.for key a later load's
  // modules): where it lacks rd, r reports the return, as before rd.
  if (entry === 'rd') return `(${D}.rd||${D}.r)`;
  return (live ? undefined : LOCAL[entry]) ?? `${D}.${entry}`;
}

function entryFn(site: FunctionSite): RuntimeEntry {
  if (site.generator) return site.async ? 'eag' : 'eg';
  return site.async ? 'ea' : 'e';
}

/**
 * The report of a return of `value` (`$jpF` is not null): a loaded module's sync function calls
 * its frame's own exit (`$jpF.exit(v)`, CallRecord.exit), a function made per probe. Its call then
 * names one function in this function's feedback, where the runtime's `r`, shared, names
 * every probe's handler: V8 inlines that exit with its probe as a constant, and the handler as the
 * one closure it is (docs/load-sites.md). Live patches, async functions, generators and a derived
 * class's constructor with a `return` call the runtime's return.
 */
function exitCall(site: FunctionSite, live: boolean): (value: string) => string {
  const entry = returnFn(site);
  if (entry === 'r' && !live) return (value) => `$jpF.${FRAME_EXIT}(${value})`;
  const ret = rt(entry, live);
  return (value) => `${ret}($jpF,${value})`;
}

function returnFn(site: FunctionSite): RuntimeEntry {
  if (site.generator) return 'rg';
  if (derivedWithReturn(site)) return 'rd';
  return site.async ? 'ra' : 'r';
}

/**
 * The insertions that give one function its site. Disarmed, `$jpF` is null and every check of it
 * folds away in optimized code; what is left is bytecode, which the interpreter and baseline tiers
 * run and V8's inlining budget counts, so the site adds as little as it can:
 * - each `return x` becomes `return($jpV=(x),$jpF!==null?$jpF.exit($jpV):$jpV)` (`$jpD.r($jpF,$jpV)` in live code, and
 *   for async functions `$jpD.ra`: exitCall): it reports
 *   itself, and the runtime may substitute the value (a promise that settles when the original
 *   does); `return x` of a name or a literal is `return $jpF!==null?$jpF.exit(x):x`, with
 *   nothing stored;
 * - falling off the end reports at the end of the body;
 * - a `catch` reports a throw and rethrows it.
 * A function in which a return can still throw after its value is made (a `finally` of its own,
 * which may also override a return or swallow a throw; FunctionSite.throwsAfterReturn says which
 * others) goes through one `finally` of the site's instead (see finallyInsertions), so that each
 * call is reported once. Generators complete through a `finally` too: see generatorInsertions.
 */
function functionInsertions(site: FunctionSite, id: number, out: Insertion[], slots = '$jpS', live = false): void {
  if (site.generator) {
    generatorInsertions(site, id, out, slots, live);
    return;
  }
  if (site.throwsAfterReturn) {
    finallyInsertions(site, id, out, slots, live);
    return;
  }
  const exit = exitCall(site, live);
  const owner = site.start;
  const report = `$jpF!==null?${exit('$jpV')}:$jpV)`;
  const prologue = prologueOf(site, id, slots, live);
  const epilogue = `}catch($jpX){if($jpF)${rt('t', live)}($jpF,$jpX);throw($jpX)}`;
  if (site.body.expression) {
    out[out.length] = opening(site.body.start, `{${prologue}return($jpV=(${site.anonymousBody ? '0,' : ''}`, owner);
    out[out.length] = closing(site.body.end, `),${report}${epilogue}}`, owner);
  } else {
    out[out.length] = opening(site.prologueAt, prologue, owner);
    const end = site.endsInJump ? '' : `;if($jpF!==null)${exit('void 0')}`;
    out[out.length] = closing(live ? site.tailAt : site.body.end - 1, `${end}${epilogue}`, owner);
  }
  for (let i = 0; i < site.returns.length; i++) {
    const r = site.returns[i];
    if (r.arg === undefined) {
      out[out.length] = bareReturn(r, ` $jpF!==null?${exit('void 0')}:void 0`);
    } else if (r.simple !== undefined) {
      // A name or a literal: read (once) in whichever branch runs, no need to keep it in $jpV.
      out[out.length] = opening(r.arg.start, ` $jpF!==null?${exit(r.simple)}:`, r.start);
    } else {
      out[out.length] = opening(r.arg.start, `($jpV=(${r.anonymous ? '0,' : ''}`, r.start);
      out[out.length] = closing(r.arg.end, `),${report}`, r.start);
    }
  }
}

/**
 * A sync function's site in a module rewritten for counting alone: its counter, added to while
 * some probe is armed in the thread, and nothing else. No entry, no return, no catch: the
 * function's bytecode grows by ~10 bytes where a whole site adds ~40-120, which V8 weighs in every
 * caller it might inline the function into, and no call is made (docs/hot-path.md, "Modules
 * rewritten for counting alone"). Core credits the counter to the one probe on the site as
 * counting mode does (sites/load/counts.ts); a site no probe is on counts for nobody.
 */
function countOnlyInsertions(site: FunctionSite, id: number, out: Insertion[]): void {
  const count = `${ARMED_GLOBAL}&&${COUNTS_LOCAL}[${id}]++;`;
  if (site.body.expression) {
    // `return(x)`, not an assignment: an anonymous function or class returned keeps having no name.
    out[out.length] = opening(site.body.start, `{${count}return(`, site.start);
    out[out.length] = closing(site.body.end, ')}', site.start);
  } else {
    out[out.length] = opening(site.prologueAt, `${site.afterOpenDirective ? ';' : ''}${count}`, site.start);
  }
}

/**
 * A sync function's site in a module rewritten for counting its calls as they end: its counter,
 * added to as every call ends, by a return or a throw (a return probe's count takes both): after
 * each return's value is made (`return ($jpV=(x),count,$jpV)`), at the end of a body that falls
 * off it, and in a catch that rethrows. A function in which a return may still turn into a throw
 * after the return's count (throwsAfterReturn) gets `try{…}finally{count}` instead (it cost the
 * optimized caller more where there was no need: docs/hot-path.md). No entry and no call. A call
 * still running is not counted yet, as a return probe's is not; core credits the counter as at entry.
 */
function returnCountInsertions(site: FunctionSite, id: number, out: Insertion[]): void {
  const count = `${ARMED_GLOBAL}&&${COUNTS_LOCAL}[${id}]++`;
  const owner = site.start;
  const semi = site.afterOpenDirective ? ';' : '';
  if (site.throwsAfterReturn) {
    out[out.length] = opening(site.prologueAt, `${semi}try{`, owner);
    out[out.length] = closing(site.body.end - 1, `}finally{${count}}`, owner);
    return;
  }
  const caught = `}catch($jpX){${count};throw($jpX)}`;
  if (site.body.expression) {
    out[out.length] = opening(site.body.start, `{var $jpV;try{return($jpV=(${site.anonymousBody ? '0,' : ''}`, owner);
    out[out.length] = closing(site.body.end, `),${count},$jpV)${caught}}`, owner);
    return;
  }
  out[out.length] = opening(site.prologueAt, `${semi}var $jpV;try{`, owner);
  out[out.length] = closing(site.body.end - 1, `${site.endsInJump ? '' : `;${count}`}${caught}`, owner);
  for (let i = 0; i < site.returns.length; i++) {
    const r = site.returns[i];
    if (r.arg === undefined) {
      out[out.length] = bareReturn(r, ` ${count},void 0`);
    } else {
      out[out.length] = opening(r.arg.start, `($jpV=(${r.anonymous ? '0,' : ''}`, r.start);
      out[out.length] = closing(r.arg.end, `),${count},$jpV)`, r.start);
    }
  }
}

/**
 * The text after a bare `return` belongs to the return statement: closing text, so that at the
 * function's last `}` (`…;return}`) it goes before the site's epilogue, not after it. A `return`
 * that a line break ends gets its `;`: else a next line that starts with `-`, `(`, `[`, `/` or a
 * template would continue the text put after it.
 */
function bareReturn(r: ReturnSite, text: string): Insertion {
  return closing(r.start + 'return'.length, r.unterminated === true ? `${text};` : text, r.start);
}

/**
 * What a site passes as the call's `this`. Not in a derived constructor before super(). Not for
 * an arrow in code patched while it runs (live and breakpoint sites): an arrow's `this` is its
 * enclosing function's, and reading it makes that function keep `this` in its context, a binding
 * a live patch cannot add to code that has run (LiveEdit then answers Ok and patches no function
 * of the edit at all).
 */
export function receiverOf(site: FunctionSite, live: boolean): string {
  return site.thisUnsafe || (live && site.kind === 'arrow') ? 'void 0' : 'this';
}

/**
 * `var $jpF=$jpOn?…:null,$jpV;try{`: disarmed, only `$jpOn` is read (see ARMED_GLOBAL) and `$jpF`
 * is null; armed, the runtime reads the slot and hands back a frame or null. `$jpF` is never
 * `false` (as `$jpOn&&…` made it), so the exits test it with `!==null`: in optimized code one
 * compare, where the truth of a value TurboFan cannot type (the entry's fallback is a call) was a
 * generic ToBoolean of ~12 instructions at every probed return (docs/benchmarks.md, issue 18
 * round 9). `var` rather than `let $jpV;` saves the interpreter an instruction a call.
 *
 * A sync function of a loaded module reads COUNTING_GLOBAL next: while every probe armed is an
 * entry-only count, the site adds 1 to its module's counter and calls nothing (`$jpF` null, as
 * the entry would have answered). The entry is then never called, so V8 has no feedback for it
 * and inlines none of it: the armed site costs its caller a load, an add and a store
 * (docs/hot-path.md, "Counting mode"). Live patches may not add the module's counters, and an
 * async function's or a generator's calls are counted where they settle, through their entries.
 */
function prologueOf(site: FunctionSite, id: number, slots: string, live: boolean): string {
  const self = receiverOf(site, live);
  // After a directive with no semicolon (`'use strict'` then a newline), ASI would not end it.
  const semi = site.afterOpenDirective ? ';' : '';
  const entry = entryFn(site);
  const call = `${rt(entry, live)}(${slots},${id},${self},${argsOf(site, live)})`;
  const armed = live || entry !== 'e' ? call : `(${COUNTING_GLOBAL}?(${COUNTS_LOCAL}[${id}]++,null):${call})`;
  return `${semi}var $jpF=${ARMED_GLOBAL}?${armed}:null,$jpV;try{`;
}

/**
 * The site of a function whose return may still throw after its value is made (a `finally` of its
 * own, and throwsAfterReturn's others): every exit goes through one `finally`. A
 * `return` only stores its value (`return $jpV=(x)`), the `finally` reports the return (and may
 * substitute the value), and the `catch` reports a throw and clears the frame so that the
 * `finally` stays out of the way. A return overridden by the function's own `finally` is
 * reported with the value that wins, and a throw it swallows is reported as the throw.
 */
function finallyInsertions(site: FunctionSite, id: number, out: Insertion[], slots: string, live: boolean): void {
  const prologue = prologueOf(site, id, slots, live);
  const owner = site.start;
  out[out.length] = opening(site.prologueAt, prologue, owner);
  const report = `return(${exitCall(site, live)('$jpV')})`;
  out[out.length] = closing(live ? site.tailAt : site.body.end - 1, fallOff(site) + finallyEpilogue(report, live), owner);
  storedReturns(site, out);
}

/**
 * Where the body can fall off its end, `$jpV` is cleared there: a `return` whose value was stored
 * and then swallowed (a throw after it, caught by the function's own `catch`) must not be what the
 * site's `finally` returns and reports for a call that ended by falling off. `void(0)`, with no
 * space: a live epilogue must hold none (see liveable), or V8's diff may take the space before the
 * function's `}` for this one and leave the function unpatched.
 */
function fallOff(site: FunctionSite): string {
  return site.endsInJump ? '' : ';$jpV=void(0)';
}

/** The catch that reports a throw (and clears the frame), and the finally that reports the rest with `report`. */
function finallyEpilogue(report: string, live: boolean): string {
  return `}catch($jpX){if($jpF){${rt('t', live)}($jpF,$jpX);$jpF=null}throw($jpX)}finally{if($jpF!==null)${report}}`;
}

/**
 * Each `return x` as `return $jpV=(x)`: the site's `finally` reports it. `$jpV=(0,x)` for an
 * anonymous function or class, which assignment to a name would otherwise name `$jpV`.
 */
function storedReturns(site: FunctionSite, out: Insertion[]): void {
  for (let i = 0; i < site.returns.length; i++) {
    const r = site.returns[i];
    if (r.arg === undefined) {
      out[out.length] = bareReturn(r, ' $jpV=void 0');
    } else {
      out[out.length] = opening(r.arg.start, ` $jpV=(${r.anonymous ? '0,' : ''}`, r.start);
      out[out.length] = closing(r.arg.end, ')', r.start);
    }
  }
}

/**
 * A generator's site: entry at the call, completion (or early return()) in a finally. Its body
 * runs at the first `next()`, so the entry goes in a last parameter, whose default runs at the
 * call: `function* g(a,...{$jpF=$jpOn?…:null})`, and the body declares `$jpV` alone. Where the
 * list cannot take one (site-shape's callEntryAt), the body's prologue enters at the first
 * `next()`, as docs/load-sites.md says.
 */
/**
 * A live patch's entry in a generator's parameter list: `$jpD.egt` called as a tag, with no `(`.
 * LiveEdit patches a function only where V8's diff maps the `(` of its parameter list to the new
 * one's (see liveable); a call's `(` and the parameters' names, put after the original ones, made
 * the diff pair them with those for about one generator in twenty (a name ending in `e` or `g`:
 * `$jpD.eg(`). A runtime of an older jsprobe left in the process has no `egt`: the call goes
 * unseen there.
 */
function taggedEntry(site: FunctionSite, id: number, slots: string): string {
  const tag = `${D}.${site.async ? 'eagt' : 'egt'}`;
  const args = site.usesArguments || ArrayPrototypeIncludes(site.params, null) ? 'arguments' : `[${ArrayPrototypeJoin(site.params, ',')}]`;
  return `${ARMED_GLOBAL}&&${tag}?${tag}\`\${${slots}}\${${id}}\${${receiverOf(site, true)}}\${${args}}\`:null`;
}

function generatorInsertions(site: FunctionSite, id: number, out: Insertion[], slots: string, live: boolean): void {
  const at = site.paramsEnd;
  if (at === undefined || (at.simple && site.usesArguments)) {
    out[out.length] = opening(site.prologueAt, prologueOf(site, id, slots, live), site.start);
  } else {
    const entry = live
      ? taggedEntry(site, id, slots)
      : `${ARMED_GLOBAL}?${rt(entryFn(site), false)}(${slots},${id},${receiverOf(site, false)},${argsOf(site, false)}):null`;
    out[out.length] = opening(at.at, `${at.comma ? ',' : ''}...{$jpF=${entry}}`, site.start);
    out[out.length] = opening(site.prologueAt, `${site.afterOpenDirective ? ';' : ''}var $jpV;try{`, site.start);
  }
  const report = `${rt(returnFn(site), live)}($jpF,$jpV)`;
  out[out.length] = closing(live ? site.tailAt : site.body.end - 1, fallOff(site) + finallyEpilogue(report, live), site.start);
  storedReturns(site, out);
}

function lineInsertions(site: LineSite, id: number, out: Insertion[]): void {
  const slot = `$jpS[${id}]`;
  const locals = site.locals.length === 0 ? 'null' : `()=>({${ArrayPrototypeJoin(site.locals, ',')}})`;
  const probe = `if(${ARMED_GLOBAL}&&${slot}!=null)${rt('l')}(${slot},${site.thisUnsafe ? 'void 0' : 'this'},${locals});`;
  if (site.needsBlock) {
    out[out.length] = opening(site.start, `{${probe}`, site.start);
    out[out.length] = closing(site.end, '}', site.start);
  } else {
    out[out.length] = opening(site.start, probe, site.start);
  }
}

/**
 * With a source map, a function is named as its original source names it: `-l` lists it so, and
 * `func`, `probe` and `call.target` should agree. The bundle's name stays an alias, so that a
 * target naming the bundle still finds it.
 */
function addOriginalNames(sites: FunctionSite[], starts: readonly number[], origin: NonNullable<InstrumentOptions['origin']>,
  original: InstrumentOptions['original']): void {
  for (let i = 0; i < sites.length; i++) {
    const site = sites[i];
    const found = original === undefined ? undefined : originalAt(site, starts, origin, original);
    if (found !== undefined) rename(site, found.name, found.aliases);
    else renameIdentifiers(site, starts, origin);
  }
}

/** The original function that `site` comes from: the one its head, or else its own text, maps to the beginning of. */
function originalAt(site: FunctionSite, starts: readonly number[], origin: NonNullable<InstrumentOptions['origin']>,
  original: NonNullable<InstrumentOptions['original']>): { name: string; aliases: string[] } | undefined {
  const offsets = site.at === site.start ? [site.at] : [site.at, site.start];
  for (let i = 0; i < offsets.length; i++) {
    const offset = offsets[i];
    const line = lineOf(starts, offset);
    const o = origin(line + 1, offset - starts[line]);
    if (o.source < 0 || o.line == null || o.column == null) continue;
    const f = original(o.source, o.line, o.column);
    if (f !== undefined) return f;
  }
  return undefined;
}

function rename(site: FunctionSite, name: string, aliases: readonly string[]): void {
  if (name === site.name) return;
  const all = setOf(arrayConcat(aliases, [site.name], site.aliases));
  all.delete(name);
  site.name = name;
  site.aliases = [...all];
}

/**
 * Where the original source cannot be had: a bundler renames what collides (esbuild: b.ts's
 * `query` becomes `query2`, a minifier `_Tokenizer` `y`); the source map keeps the original name
 * of each identifier. Each name made with a renamed identifier gets the original as an alias, and
 * the name with all of them put back becomes the function's.
 */
function renameIdentifiers(site: FunctionSite, starts: readonly number[], origin: NonNullable<InstrumentOptions['origin']>): void {
  const whole = stringSplit(site.name, '.');
  let renamed = false;
  const ids = site.nameIds ?? [];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    const line = lineOf(starts, id.at);
    const original = origin(line + 1, id.at - starts[line]).name;
    if (original === null || original === id.text) continue;
    const names = arrayConcat([site.name], site.aliases);
    for (let j = 0; j < names.length; j++) {
      const parts = stringSplit(names[j], '.');
      const i = ArrayPrototypeLastIndexOf(parts, id.text);
      if (i < 0) continue;
      parts[i] = original;
      const alias = ArrayPrototypeJoin(parts, '.');
      if (!ArrayPrototypeIncludes(site.aliases, alias)) site.aliases[site.aliases.length] = alias;
    }
    const i = ArrayPrototypeLastIndexOf(whole, id.text);
    if (i >= 0) {
      whole[i] = original;
      renamed = true;
    }
  }
  if (renamed) rename(site, ArrayPrototypeJoin(whole, '.'), []);
}

/** The rewritten module's function that returns its shiftsText. */
const SHIFTS_FN = '$jpH';

/** Shifts as `line:col,len,col,len;line:…` (0-based lines and original columns), the smallest text that parses fast. */
export function shiftsText(shifts: ModuleTable['shifts']): string {
  const lines = arrayMap(shifts, (s) => `${s[0]}:${ArrayPrototypeJoin(arrayMap(s[1], (x) => `${x[0]},${x[1]}`), ',')}`);
  return ArrayPrototypeJoin(lines, ';');
}

/** Where the module prologue goes: after a hashbang line and the top-level directives. */
function prologueAt(program: Program, src: string): number {
  let at = StringPrototypeStartsWith(src, '#!') ? StringPrototypeIndexOf(src, '\n') + 1 || src.length : 0;
  for (let i = 0; i < program.body.length; i++) {
    const s = program.body[i];
    if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = MathMax(at, s.end);
    else break;
  }
  return at;
}

export function instrument(src: string, options: InstrumentOptions): Instrumented {
  // A .ts file reaches the load hook as TypeScript when a TypeScript loader (tsx) runs after it.
  const program = parse(src, options.format, options.url, regExpTest(/\.[cm]?tsx?($|\?)/, options.url) ? 'ts' : 'js');
  const starts = lineStarts(src);
  const all = findFunctions(program, src);
  const asked = arrayFilter(options.lines ?? [], (l) => l.line > 0 && l.line <= starts.length);
  const lineSites = asked.length > 0 ? findLineSites(program, src, starts, asked) : [];
  const found = setOf(arrayMap(lineSites, (l) => l.ask));
  const origin = options.origin;
  if (origin !== undefined) addOriginalNames(all, starts, origin, options.original);
  // A function whose body a block cannot hold gets no site, rather than a module that does not compile.
  // Counted at entry, a sync function's body is not wrapped.
  const countOnly = (s: FunctionSite): boolean => options.countOnly !== undefined && !s.async && !s.generator;
  const unwrapped = (s: FunctionSite): boolean => options.countOnly === 'entry' && countOnly(s);
  const sites = arrayFilter(all, (s) => s.blockConflict === undefined || unwrapped(s));
  const unsited = sites.length === all.length ? [] : arrayFilter(all, (s) => s.blockConflict !== undefined && !unwrapped(s));
  const out: Insertion[] = [];
  // Some sync return reports through its frame's exit (exitCall): only a runtime whose frames have one may arm the module.
  let exits = false;
  for (let i = 0; i < sites.length; i++) {
    const s = sites[i];
    if (!countOnly(s) && !s.generator && returnFn(s) === 'r') exits = true;
    if (!countOnly(s)) functionInsertions(s, i, out);
    else if (options.countOnly === 'entry') countOnlyInsertions(s, i, out);
    else returnCountInsertions(s, i, out);
  }
  for (let i = 0; i < lineSites.length; i++) lineInsertions(lineSites[i], sites.length + i, out);
  const fns = arrayMap(sites, (s): FunctionEntry => {
    const line = lineOf(starts, s.at);
    return { name: s.name, aliases: s.aliases, kind: s.kind, line: line + 1, column: s.at - starts[line], deferred: s.async || s.generator };
  });
  const table: ModuleTable = {
    v: 1,
    url: options.url,
    fns: arrayMap(fns, (f) => functionRow(f)),
    lines: arrayMap(lineSites, (l) => lineRow({ line: l.line, column: l.column, locals: l.locals, key: l.ask.key })),
    misses: arrayMap(arrayFilter(options.lines ?? [], (l) => !found.has(l)), (l) => l.key),
    shifts: [],
  };
  // A row's aliases only where it has some: the rows go into the prologue of every rewritten module.
  if (unsited.length > 0) {
    table.unsited = arrayMap(unsited, (s) => {
      const row: [string, number, string, string[]?] = [s.name, lineOf(starts, s.at) + 1, s.blockConflict!];
      if (s.aliases.length > 0) row[3] = s.aliases;
      return row;
    });
  }
  if (origin !== undefined) table.fnSources = arrayMap(fns, (f, i) => (sites[i].exportGetter ? -1 : origin(f.line, f.column).source));
  const head = prologueAt(program, src);
  // The slots and the runtime's copies are hoisted functions until the prologue runs, so that a
  // site reached early (a function called through an ES module cycle before this module ran)
  // reads `undefined` from the slots, gets nothing from its entry, and calls straight through.
  const tableText = JSONStringify(JSONStringify({ ...table, ...options.extra, shifts: undefined }));
  // After a directive with no semicolon (`'use strict'` then a newline), ASI would not end it.
  const semi = head > 0 && !regExpTest(/[;\n]/, src[head - 1]) ? ';' : '';
  // The sync entry is chosen by what is armed in the module as it loads (the runtime's pick); a
  // runtime installed by an older copy of jsprobe in the same process has e alone.
  const pick = `${D}.pick?${D}.pick($jpS):${D}.e`;
  const locals = ArrayPrototypeJoin(arrayMap(LOCAL_ENTRIES, (e) => `${e[1]}=${e[0] === 'e' ? pick : `${D}.${e[0]}`}`), ',');
  // Function declarations, not `var`s: a module may not declare one name both ways.
  // The entries' stubs return null, a frame's "nothing to do" (a site tests `$jpF!==null`).
  // The counters' stub too: a site reached before the prologue, while counting, adds to a property of it, unseen.
  const stubs = ArrayPrototypeJoin(arrayMap(arrayConcat(['$jpS', COUNTS_LOCAL], arrayMap(LOCAL_ENTRIES, (e) => e[1])),
    (name) => `function ${name}(){${StringPrototypeStartsWith(name, '$jpE') ? 'return null' : ''}}`), '');
  // A runtime of an older copy of jsprobe has no counters to give and does not define
  // COUNTING_GLOBAL: the module defines it (false) so that its sites, armed by that runtime, read
  // it; where the program froze the global object first, it cannot, and must not throw for it.
  const counts = `${COUNTS_LOCAL}=${D}.counts?${D}.counts($jpS):${COUNTS_LOCAL}`;
  // `globalThis.Symbol`: the module may declare a `Symbol` of its own (`var Symbol = root.Symbol`,
  // lodash's), undefined or in its TDZ when the prologue runs.
  out[out.length] = (opening(head, `${semi}${stubs}var ${D}=globalThis[globalThis.Symbol.for(${JSONStringify(RUNTIME_KEY)})];` +
    `if(${D}!==undefined${exits ? `&&${D}.fx===true` : ''})$jpS=${rt('module')}(${tableText},${SHIFTS_FN}),${locals},${counts};` +
    `else globalThis.${ARMED_GLOBAL}??=false;` +
    `if(globalThis.${COUNTING_GLOBAL}===undefined)try{globalThis.${COUNTING_GLOBAL}=false}catch{}`, -1));
  const applied = apply(src, out, starts);
  const shifts: ModuleTable['shifts'] = [];
  for (const entry of applied.shifts) shifts[shifts.length] = [entry[0], arrayMap(entry[1], (x) => [x.col, x.len] as [number, number])];
  table.shifts = shifts;
  // Where text went in, for a stack read at a hit to give the original columns (shiftsText). A
  // hoisted function after the last line: no line moves, and nothing parses it until a stack needs it.
  const handed = options.mapText === undefined ? shiftsText(table.shifts) : `${shiftsText(table.shifts)}\n${options.mapText}`;
  const code = `${applied.code}\nfunction ${SHIFTS_FN}(){return ${JSONStringify(handed)}}`;
  return { code, table, sites, lineSites, shifts: applied.shifts, starts };
}

/**
 * Whether a live patch can give `site` its site. LiveEdit maps each old function to a new one by
 * where it starts and ends after a character diff of the two sources, and leaves a function whose
 * end falls in a changed run running its old code (though it answers Ok). The diff matches equal
 * characters greedily, so an epilogue put right before the closing `}` (the epilogue has braces
 * of its own) would take that `}` and the function would stay unpatched. A live epilogue goes
 * after the last statement instead, and the text between it and `}` must start with a character
 * the epilogue does not hold: white space or a comment. An arrow with an expression body ends
 * with its expression and has no such place.
 */
export function liveable(src: string, site: FunctionSite): boolean {
  return unliveable(src, site) === undefined;
}

/**
 * V8's LiveEdit diffs a changed run of lines character by character only while it is under 800
 * characters (CHUNK_LEN_LIMIT in V8's liveedit.cc); a longer run is one changed block, and no
 * function starting or ending in it is patched (liveedit-diff.ts ports this). Lines that long are
 * minified code, or a whole module on one line, as tsx and esbuild write it.
 */
const DIFF_RUN_LIMIT = 800;

/** Why a live patch cannot give `site` its site (see liveable), or undefined when it can. */
export function unliveable(src: string, site: FunctionSite): string | undefined {
  // Rewritten as it loaded, by the runtime of another copy of jsprobe (the command's agent, under
  // -c): its module scope declares that runtime's names (`$jpD`, the entries), which would hide the
  // global runtime from a live site's code. V8 then applies nothing of a CommonJS edit, though it
  // answers Ok, and refuses an ES module's. A module for counting alone ends with its own text, as
  // a patchable function must; one with whole sites never did.
  if (site.blockConflict !== undefined) {
    return `its body ${blockConflictText(site.blockConflict)}, which the try block a site wraps the body in cannot hold`;
  }
  if (regExpTest(SITES_TRAILER, StringPrototypeSlice(src, -40))) {
    return 'its module was rewritten with probe sites as it loaded (by jsprobe -c), and a live patch cannot reach past the names that rewrite gave its scope';
  }
  // The lines a live site changes: where its prologue, its epilogue and each return go.
  const lineLength = (at: number): number => {
    const to = StringPrototypeIndexOf(src, '\n', at);
    return (to < 0 ? src.length : to) - (StringPrototypeLastIndexOf(src, '\n', at - 1) + 1);
  };
  if (arraySome(arrayConcat([site.prologueAt, site.tailAt], arrayMap(site.returns, (r) => r.start)), (at) => lineLength(at) >= DIFF_RUN_LIMIT)) {
    return `its lines are ${DIFF_RUN_LIMIT} characters or longer (minified code, or a module on one line, as tsx writes it), ` +
      'and V8\'s LiveEdit patches no function in a changed run of lines that long';
  }
  if (!site.body.expression && site.tailAt < site.body.end - 1 && regExpTest(/[\s/]/, src[site.tailAt])) return undefined;
  return 'LiveEdit needs white space or a comment between a function\'s last statement and its closing brace ' +
    '(an arrow with an expression body has none)';
}

/**
 * A live patch (sites/live.ts) rather than a load: only the functions chosen get sites, the
 * `index`-th of `sites` reading slot `ids.get(index)` of the global array named `slots`, and
 * nothing is added at module scope (LiveEdit can answer Ok to such an edit and not apply it).
 * The functions must be liveable().
 */
export function instrumentLive(src: string, sites: readonly FunctionSite[], slots: string, ids: ReadonlyMap<number, number>): string {
  return instrumentLiveShifted(src, sites, slots, ids).code;
}

/** instrumentLive, with where each line's text moved (for breakpoints placed by original position). */
export function instrumentLiveShifted(
  src: string, sites: readonly FunctionSite[], slots: string, ids: ReadonlyMap<number, number>,
): { code: string; shifts: Shifts } {
  const out: Insertion[] = [];
  for (const entry of ids) functionInsertions(sites[entry[0]], entry[1], out, slots, true);
  return apply(src, out, lineStarts(src));
}

/** The functions of a script, for a live patch to choose from (see sites/live.ts). */
export function functionsIn(src: string, format: 'module' | 'script', url: string): FunctionSite[] {
  return findFunctions(parse(src, format, url), src);
}
