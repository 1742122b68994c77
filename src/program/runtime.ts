// What generated handlers call (`$rt`): the maps, output, and the safe-mode helpers that read the
// traced program's values without running its code (no getters, no valueOf/toString, no proxy
// traps, no built-in the program could have replaced: see core/primordials.ts). Built once per
// program; handlers close over it.

import { sep } from 'node:path';
import { types } from 'node:util';
import { aggregand, display, toNumber } from '../agg/format.js';
import { AggMap } from '../agg/maps.js';
import { bareObject, printMap, printMaps, type Output } from '../agg/print.js';
import { printTable } from '../agg/table.js';
import { formatPrintf, primeFormats } from '../agg/printf.js';
import { formatValue, ownSlot, stackReadable } from '../agg/safe-format.js';
import { jsonCopy } from '../agg/safe-json.js';
import { clip, clipRead, resetStrlen, STRLEN, unreadable } from '../agg/safe-strlen.js';
import type { CompiledProgram } from '../lang/compile.js';
import {
  DateGetters, HrtimeBigint, MapPrototypeGet, MapPrototypeGetSize, MapPrototypeSet, MathFunctions, ObjectGetPrototypeOf, ownFields, ReflectApply,
  SafeDate, SafeMap, SafeNumber, StringPrototypeCharAt, StringPrototypePadStart, StringPrototypeSlice, StringPrototypeStartsWith,
} from '../core/primordials.js';
import { NATIVE_GETTERS } from './native-getters.js';
import { bare, prim as primOf, safeMethod as methodOf } from './safe-methods.js';
import { captureStack } from './stack.js';
import { readContext, startContext } from './ctx.js';
import { programThreadId } from '../threads/own-threads.js';

const { isProxy } = types;
/** How many distinct getters are named on stderr before jsprobe stops naming new ones. */
const ACCESSOR_WARNINGS = 20;

type Warn = (key: string) => void;

/**
 * A property of `obj`, read without running the program's code: a data property, or one of the
 * built-in getters captured at load that read internal slots (a Map's size, a typed array's
 * length) on a value of their own kind. Any other getter is not called: undefined, and
 * `onAccessor` hears of it. A key that is an object is refused (converting it could run it).
 */
export function safeGet(obj: unknown, key: unknown, onAccessor?: Warn): unknown {
  if (obj === null || obj === undefined) return undefined;
  if ((typeof key === 'object' && key !== null) || typeof key === 'function') return undefined;
  const k: string | symbol = typeof key === 'symbol' ? key : `${key as string}`;
  if (typeof obj === 'string') return stringProperty(obj, k);
  if (typeof obj !== 'object' && typeof obj !== 'function') return undefined;
  let o: object | null = obj as object;
  for (let depth = 0; o !== null && depth < 64; depth++) {
    if (isProxy(o)) return undefined;
    // Reading `stack` can format it, through Error.prepareStackTrace and the error's name getter.
    if (k === 'stack' && !stackReadable(obj as object)) {
      if (onAccessor !== undefined) onAccessor('stack');
      return undefined;
    }
    const s = ownSlot(o, k);
    if (s.kind === 'value') return s.value;
    if (s.kind !== 'none') return nativeGetter(o, k, obj as object, onAccessor);
    o = ObjectGetPrototypeOf(o) as object | null;
  }
  return undefined;
}

function stringProperty(s: string, k: string | symbol): unknown {
  if (k === 'length') return s.length;
  if (typeof k !== 'string') return undefined;
  const i = SafeNumber(k);
  // Only an index in range: anything else would be looked up on String.prototype.
  if (!(i >= 0 && i < s.length && `${i}` === k)) return undefined;
  // A character of a string too long to read is the cut string's (safe-strlen.ts).
  const t = unreadable(s.length) ? clip(s) : s;
  return i < t.length ? StringPrototypeCharAt(t, i) : undefined;
}

function unsafeIndex(o: unknown, k: unknown): unknown {
  const v = typeof o === 'string' && k !== 'length' && unreadable(o.length) ? clip(o) : o;
  return (v as Record<PropertyKey, unknown>)[k as PropertyKey];
}

function nativeGetter(holder: object, k: string | symbol, obj: object, onAccessor: Warn | undefined): unknown {
  const getter = ownSlot(holder, k).getter;
  for (let i = 0; i < NATIVE_GETTERS.length; i++) {
    const g = NATIVE_GETTERS[i];
    if (g.fn === getter) return g.is(obj) ? g.call(obj) : undefined;
  }
  if (onAccessor !== undefined) onAccessor(typeof k === 'symbol' ? `[${k.description ?? ''}]` : k);
  return undefined;
}

export { primOf as prim, methodOf as safeMethod };

export interface Runtime {
  maps: AggMap[];
  out: Output;
  p(v: unknown): unknown;
  /** A value read from the program or built by `+`: a string is cut to --max-strlen. */
  s(v: unknown): unknown;
  /** A numeric aggregation's value; a string is a fault. */
  n: typeof aggregand;
  get(obj: unknown, key: unknown): unknown;
  /** --unsafe's `obj[key]`: plain, but for a string too long to read, whose characters are its cut's (its length its own). */
  index(obj: unknown, key: unknown): unknown;
  method(recv: unknown, name: string, args: unknown[]): unknown;
  /** `str(x)`, or `str(x, depth)` with that many levels of nesting shown. */
  str(v: unknown, depth?: number): string;
  key(v: unknown): string;
  keys(vs: unknown[]): string;
  math(name: string, args: unknown[]): number;
  printf(fmt: string, args: unknown[]): void;
  print(map: number, top: unknown, div: unknown): void;
  printValue(v: unknown): void;
  /** `strftime(fmt, ns)`: the wall-clock time of `ns` (an `nsecs` reading) in time()'s format. */
  strftime(fmt: string, ns: unknown): string;
  /** `table(@a, @b, …)`: the maps of these indices side by side (agg/table.ts). */
  table(maps: number[]): void;
  time(fmt: string): void;
  exit(): void;
  /** `detach()`: take the program's probes off and let the traced program run on (session.ts sets it). */
  detach(): void;
  /** `pending(ms)`: print the calls in flight at least `ms` old (session.ts sets it: it holds the probes). */
  pending(olderMs: number): void;
  nsecs(): number;
  /** `ustack(depth)`: the program's frames at the hit (stack.ts). */
  stack(depth: number): string;
  /** What gives `probe` for a call of a pattern's match of this kind: `fnret:src/db.js:Db.prototype.query`. */
  probeNamer(kind: string): (target: string) => string;
  pid: number;
  /** The thread as the program numbers it: 0 for the main thread, n for its nth worker (threads/own-threads.ts). */
  tid: number;
  /** `ctx`: the async causal chain of the code running now (ctx.ts); 0 unless the program reads ctx. */
  ctx(): number;
  /** `--otlp`: report a call of fnret probe `i` (session.ts adds it; the handler calls it only then). */
  span?(elapsed: number, threw: boolean, error: unknown, func: string, target: string, i: number, start: number): void;
  /** Stop what the runtime started in the program (ctx's async hook): the session has ended. */
  close(): void;
}

const DateNow = SafeDate.now;

function two(n: number, width = 2): string {
  return StringPrototypePadStart(`${n}`, width, '0');
}

/** `time()`'s format: %H %M %S %Y %m %d %f (milliseconds) and %%, read with Date's captured getters. */
export function strftime(fmt: string, d: Date): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    const f = fmt[++i];
    switch (f) {
      case 'H': out += two(DateGetters.getHours(d) as number); break;
      case 'M': out += two(DateGetters.getMinutes(d) as number); break;
      case 'S': out += two(DateGetters.getSeconds(d) as number); break;
      case 'Y': out += `${DateGetters.getFullYear(d) as number}`; break;
      case 'm': out += two((DateGetters.getMonth(d) as number) + 1); break;
      case 'd': out += two(DateGetters.getDate(d) as number); break;
      case 'f': out += two(DateGetters.getMilliseconds(d) as number, 3); break;
      case '%': case 'j': out += '%'; break;
      default: out += `%${f}`;
    }
  }
  return out;
}

/** A target under the working directory, relative to it, as a user writes it on the command line. */
function shortTarget(target: string): string {
  const cwd = `${process.cwd()}${sep}`;
  return StringPrototypeStartsWith(target, cwd) ? StringPrototypeSlice(target, cwd.length) : target;
}

/** One line on stderr the first time a handler meets each getter it leaves uncalled, for the first few. */
function accessorWarnings(warn: (s: string) => void): Warn {
  const seen = new SafeMap<string, true>();
  return (key) => {
    if (MapPrototypeGet(seen, key) !== undefined || MapPrototypeGetSize(seen) >= ACCESSOR_WARNINGS) return;
    MapPrototypeSet(seen, key, true);
    // ustack reads the same way under --unsafe: a stack read through the program's getter is not promised.
    const what = key === 'Error.prepareStackTrace'
      ? 'ustack is empty: the program made Error.prepareStackTrace or Error.stackTraceLimit a getter or froze it, or replaced Error, '
        + 'so reading a stack would run its code or cannot be done'
      : `'${key}' is a getter, which safe mode does not call: it reads as undefined and prints as [Getter]; --unsafe runs it`;
    warn(`jsprobe: ${what}\n`);
  };
}

/**
 * A numeric aggregation's value (aggregand). NaN is no value: every numeric aggregation leaves it
 * out (their adders skip it: a sum, an average or a min it joined would be NaN for good), and the
 * first one of each aggregation is said on stderr; the handler goes on.
 */
function aggregands(warn: (s: string) => void): typeof aggregand {
  const said = new SafeMap<string, true>();
  return (v, agg) => {
    const n = aggregand(v, agg);
    if (n !== n && MapPrototypeGet(said, agg) === undefined) {
      MapPrototypeSet(said, agg, true);
      const what = typeof v === 'number' ? 'NaN' : v === null || v === undefined ? `${v}` : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
      const of = agg === 'hist' || agg === 'lhist' ? 'the histogram' : 'the map';
      warn(`jsprobe: ${agg}() takes a number, and got ${what}: left out of ${of} (said once)\n`);
    }
    return n;
  };
}

export interface RuntimeOptions {
  /** Keys each map holds at most (--max-map-keys). */
  maxMapKeys?: number;
  /** Characters a string keeps (--max-strlen); the thread's bound, from this runtime on. */
  maxStrlen?: number;
  /** Writes a line on jsprobe's stderr (the getters safe mode leaves uncalled). */
  warn?: (s: string) => void;
  /** `tid`, when this thread cannot work it out itself (a worker set up by -p's channel thread). */
  tid?: number;
}

/**
 * The runtime for `program`, writing to `out`; `exit` ends tracing. A value map copies what is
 * assigned when it is assigned (agg/kinds.ts), so printing it at exit runs nothing of the program's.
 */
export function makeRuntime(program: CompiledProgram, out: Output, exit: () => void, given: RuntimeOptions = {}): Runtime {
  const options = ownFields(given);
  resetStrlen(options.maxStrlen);
  const onAccessor = accessorWarnings(options.warn ?? (() => {}));
  const maps: AggMap[] = [];
  for (let i = 0; i < program.maps.length; i++) maps[i] = AggMap.of(program.maps[i], options.maxMapKeys, onAccessor);
  for (const c of [...program.probes, ...program.begin, ...program.end, ...program.intervals]) primeFormats(c.source);
  const str = (v: unknown): string => display(v, onAccessor);
  // Only a program that reads ctx costs the traced program an async hook.
  const stopContext = program.usesCtx ? startContext() : null;
  const emit = (type: string, data: unknown): void => {
    const o = bareObject();
    o.type = type;
    o.data = data;
    out.json(o);
  };
  return {
    maps,
    out,
    p: (v) => primOf(v, onAccessor),
    s: clipRead,
    n: aggregands(options.warn ?? (() => {})),
    get: (o, k) => safeGet(o, k, onAccessor),
    index: unsafeIndex,
    method: (recv, name, args) => methodOf(recv, name, args, onAccessor),
    str: (v, depth) => (depth === undefined ? str(v) : formatValue(v, onAccessor, depth)),
    key: str,
    keys: (vs) => {
      let s = '';
      for (let i = 0; i < vs.length; i++) s += `${i === 0 ? '' : ', '}${str(vs[i])}`;
      return s.length > STRLEN.max ? clip(s) : s;
    },
    math: (name, args) => {
      const f = MathFunctions[name];
      if (f === undefined) throw new TypeError(`Math.${name} is not a function`);
      const list = bare<number>();
      for (let i = 0; i < args.length; i++) list[i] = toNumber(args[i]);
      return ReflectApply(f, undefined, list) as number;
    },
    printf: (fmt, args) => {
      const s = formatPrintf(fmt, args, onAccessor);
      if (out.format === 'json') emit('printf', s);
      else out.text(s);
    },
    print: (map, top, div) => printMap(out, maps[map], toNumber(top) || 0, toNumber(div) || 1),
    printValue: (v) => {
      if (out.format === 'json') emit('value', v === undefined ? null : jsonCopy(v, onAccessor));
      else out.text(`${str(v)}\n`);
    },
    table: (indices) => {
      const list: AggMap[] = [];
      for (let i = 0; i < indices.length; i++) list[i] = maps[indices[i]];
      printTable(out, list);
    },
    strftime: (fmt, ns) => {
      // nsecs is a monotonic clock: the wall clock now, less how long ago `ns` was.
      const ago = (SafeNumber(HrtimeBigint()) - toNumber(ns)) / 1e6;
      return strftime(fmt, new SafeDate(DateNow() - ago));
    },
    time: (fmt) => {
      const s = strftime(fmt, new SafeDate());
      if (out.format === 'json') emit('time', s);
      else out.text(s);
    },
    exit,
    detach: exit,
    pending: () => {},
    nsecs: () => SafeNumber(HrtimeBigint()),
    stack: (depth) => {
      const s = captureStack(depth);
      if (s === null) onAccessor('Error.prepareStackTrace');
      return clip(s ?? '');
    },
    probeNamer: (kind) => {
      // target → probe name: made once per function, not per hit.
      const names = new SafeMap<string, string>();
      return (target) => {
        let name = MapPrototypeGet(names, target);
        if (name === undefined) MapPrototypeSet(names, target, (name = `${kind}:${shortTarget(target)}`));
        return name;
      };
    },
    pid: process.pid,
    tid: options.tid ?? programThreadId(),
    ctx: stopContext === null ? () => 0 : readContext,
    close: () => stopContext?.(),
  };
}

/** The handler functions of compiled sources, closed over `rt`. */
export function instantiate(rt: Runtime, source: string): (call?: unknown) => void {
  return new Function('$rt', `'use strict'; return ${source};`)(rt) as (call?: unknown) => void;
}

/** Every map that holds something, in the order the program names them (what bpftrace prints at exit), and their drops. */
export function printAll(rt: Runtime): void {
  printMaps(rt.out, rt.maps);
}
