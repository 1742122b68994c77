// What generated handlers call (`$rt`): the maps, output, and the safe-mode helpers that read the
// traced program's values without running its code (no getters, no valueOf/toString, no proxy
// traps). Built once per program; handlers close over it.

import { sep } from 'node:path';
import { types } from 'node:util';
import { threadId } from 'node:worker_threads';
import { display, toNumber } from '../agg/format.js';
import { AggMap } from '../agg/maps.js';
import { printMap, printMaps, type Output } from '../agg/print.js';
import { formatPrintf } from '../agg/printf.js';
import type { CompiledProgram } from '../lang/compile.js';
import { PURE_METHODS } from '../lang/passes/safety.js';
import { OWN_CODE_PATH } from '../sites/own-code.js';

const STRING_METHODS = new Set(PURE_METHODS.string);
const NUMBER_METHODS = new Set(PURE_METHODS.number);
const ARRAY_METHODS = new Set(PURE_METHODS.array);
const FN_TO_STRING = Function.prototype.toString;
/** jsprobe's own files: left out of `stack`. */
const OWN_ROOT = OWN_CODE_PATH;

function isNativeFunction(f: unknown): boolean {
  try {
    return typeof f === 'function' && FN_TO_STRING.call(f).endsWith('{ [native code] }');
  } catch {
    return false;
  }
}

/** A property of `obj`, read without running the program's code: data properties and native getters only. */
export function safeGet(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  const k = typeof key === 'symbol' ? key : typeof key === 'number' ? key : display(key);
  if (typeof obj === 'string') return k === 'length' ? obj.length : typeof k === 'number' ? obj[k] : undefined;
  if (typeof obj !== 'object' && typeof obj !== 'function') return undefined;
  let o: object | null = obj as object;
  for (let depth = 0; o !== null && depth < 64; depth++) {
    if (types.isProxy(o)) return undefined;
    const d = Object.getOwnPropertyDescriptor(o, k as PropertyKey);
    if (d !== undefined) {
      if ('value' in d) return d.value;
      return isNativeFunction(d.get) ? Reflect.apply(d.get!, obj, []) : undefined;
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  return undefined;
}

/** A primitive for an operator: primitives as they are, objects as their printed form. */
export function prim(v: unknown): unknown {
  return (typeof v === 'object' && v !== null) || typeof v === 'function' ? display(v) : v;
}

function pureArgs(args: unknown[]): unknown[] {
  return args.map(prim);
}

export function safeMethod(recv: unknown, name: string, args: unknown[]): unknown {
  if (typeof recv === 'string' && STRING_METHODS.has(name)) return Reflect.apply((String.prototype as unknown as Record<string, Function>)[name], recv, pureArgs(args));
  if (typeof recv === 'number' && NUMBER_METHODS.has(name)) return Reflect.apply((Number.prototype as unknown as Record<string, Function>)[name], recv, pureArgs(args));
  if (Array.isArray(recv) && !types.isProxy(recv) && ARRAY_METHODS.has(name)) {
    // join would convert elements by calling them: print them first.
    const target = name === 'join' ? Array.prototype.map.call(recv, (x: unknown) => (x === null || x === undefined ? '' : display(x))) : recv;
    return Reflect.apply((Array.prototype as unknown as Record<string, Function>)[name], target, pureArgs(args));
  }
  throw new TypeError(`.${name}() is not a pure method of ${recv === null ? 'null' : typeof recv}: safe mode does not call it (--unsafe does)`);
}

export interface Runtime {
  maps: AggMap[];
  out: Output;
  p: typeof prim;
  n: typeof toNumber;
  get: typeof safeGet;
  method: typeof safeMethod;
  str: typeof display;
  key(v: unknown): string;
  keys(vs: unknown[]): string;
  math(name: string, args: unknown[]): number;
  printf(fmt: string, args: unknown[]): void;
  print(map: number, top: unknown, div: unknown): void;
  printValue(v: unknown): void;
  time(fmt: string): void;
  exit(): void;
  nsecs(): number;
  stack(): string;
  /** What gives `probe` for a call of a pattern's match of this kind: `fnret:src/db.js:Db.prototype.query`. */
  probeNamer(kind: string): (target: string) => string;
  pid: number;
  tid: number;
}

function strftime(fmt: string, d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return fmt.replace(/%([HMSYmdjf%])/g, (_, c: string) => {
    switch (c) {
      case 'H': return two(d.getHours());
      case 'M': return two(d.getMinutes());
      case 'S': return two(d.getSeconds());
      case 'Y': return String(d.getFullYear());
      case 'm': return two(d.getMonth() + 1);
      case 'd': return two(d.getDate());
      case 'f': return String(d.getMilliseconds()).padStart(3, '0');
      default: return '%';
    }
  });
}

/** A target under the working directory, relative to it, as a user writes it on the command line. */
function shortTarget(target: string): string {
  const cwd = `${process.cwd()}${sep}`;
  return target.startsWith(cwd) ? target.slice(cwd.length) : target;
}

/** The runtime for `program`, writing to `out`; `exit` ends tracing. Its maps hold at most `maxMapKeys` keys each. */
export function makeRuntime(program: CompiledProgram, out: Output, exit: () => void, maxMapKeys?: number): Runtime {
  const maps = program.maps.map((m) => AggMap.of(m, maxMapKeys));
  return {
    maps,
    out,
    p: prim,
    n: toNumber,
    get: safeGet,
    method: safeMethod,
    str: display,
    key: display,
    keys: (vs) => vs.map(display).join(', '),
    math: (name, args) => {
      const f = (Math as unknown as Record<string, unknown>)[name];
      if (typeof f !== 'function') throw new TypeError(`Math.${name} is not a function`);
      return Reflect.apply(f, Math, args.map(toNumber)) as number;
    },
    printf: (fmt, args) => {
      const s = formatPrintf(fmt, args);
      if (out.format === 'json') out.json({ type: 'printf', data: s });
      else out.text(s);
    },
    print: (map, top, div) => printMap(out, maps[map], toNumber(top) || 0, toNumber(div) || 1),
    printValue: (v) => (out.format === 'json' ? out.json({ type: 'value', data: typeof v === 'object' && v !== null ? display(v) : v ?? null }) : out.text(`${display(v)}\n`)),
    time: (fmt) => {
      const s = strftime(fmt, new Date());
      if (out.format === 'json') out.json({ type: 'time', data: s });
      else out.text(s);
    },
    exit,
    nsecs: () => Number(process.hrtime.bigint()),
    stack: () => (new Error().stack ?? '').split('\n').slice(1).filter((l) => !l.includes(OWN_ROOT)).join('\n'),
    probeNamer: (kind) => {
      // target → probe name: made once per function, not per hit.
      const names = new Map<string, string>();
      return (target) => {
        let name = names.get(target);
        if (name === undefined) names.set(target, (name = `${kind}:${shortTarget(target)}`));
        return name;
      };
    },
    pid: process.pid,
    tid: threadId,
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
