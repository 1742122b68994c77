// How a call of a worker thread crosses to the main thread for `threads: 'all'` (all.ts): one
// line of JSON an event in the worker's ring, with copies of the values its handlers read:
// primitives as they were, objects as their inspected text.

import { inspect } from 'node:util';
import { threadId } from 'node:worker_threads';
import type { Call, Probe } from '../core/index.js';
import { hasKey, JSONStringify } from '../core/primordials.js';

/** The fields of a call a worker can relay. */
export const RELAYED = ['args', 'retval', 'error', 'threw', 'async', 'elapsed', 'target', 'func'] as const;
export type Relayed = (typeof RELAYED)[number];

/** A value of another thread's call, made to cross: primitives stay, the rest is its text. */
type Wire = string | number | boolean | null | { u: 1 } | { n: string } | { b: string } | { o: string };

/** One call event in a worker's ring. */
export interface CallEvent {
  /** Probe id (the main thread's). */
  p: number;
  k: 'e' | 'r';
  t: number;
  a?: Wire[];
  r?: Wire;
  e?: Wire;
  th?: boolean;
  as?: boolean;
  el?: number;
  tg?: string;
  fn?: string;
}

function encode(v: unknown): Wire {
  switch (typeof v) {
    case 'undefined': return { u: 1 };
    case 'number': return Number.isFinite(v) ? v : { n: String(v) };
    case 'bigint': return { b: String(v) };
    case 'string':
    case 'boolean': return v;
    default:
      if (v === null) return null;
      try {
        return { o: inspect(v, { depth: 2, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200, customInspect: false, getters: false }) };
      } catch {
        return { o: Object.prototype.toString.call(v) };
      }
  }
}

/** encode() as JSON text, without building the object for the common cases (an event per call). */
function wire(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return JSONStringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  return JSONStringify(encode(v));
}

function wireArgs(args: ArrayLike<unknown>): string {
  let out = '';
  for (let i = 0; i < args.length; i++) out += (i === 0 ? '' : ',') + wire(args[i]);
  return out;
}

function decode(w: Wire): unknown {
  if (w === null || typeof w !== 'object') return w;
  if (hasKey(w, 'u')) return undefined;
  if (hasKey(w, 'n')) return Number(w.n);
  if (hasKey(w, 'b')) return BigInt(w.b);
  return w.o;
}

const FIELD_JSON: Record<Relayed, string> = {
  args: `',"a":['+wireArgs(c.args)+']'`,
  retval: `',"r":'+wire(c.retval)`,
  error: `(c.threw?',"e":'+wire(c.error):'')`,
  threw: `',"th":'+c.threw`,
  async: `',"as":'+c.async`,
  elapsed: `',"el":'+wire(c.elapsed)`,
  target: `',"tg":'+wire(c.target)`,
  func: `',"fn":'+wire(c.func)`,
};

/**
 * A worker's handler that records a call as one line of JSON, written out by hand (building an
 * object and JSON.stringify cost ~0.5-1 µs a call), with only the fields the main thread's handler
 * reads. Compiled from text so that its source reads only those: core then skips the rest (the
 * clock, when `elapsed` is not read; the argument slots, when `args` is not).
 */
export function recorder(id: number, kind: 'e' | 'r', fields: readonly Relayed[], record: (line: string) => void): (c: Call) => void {
  const head = JSONStringify(`{"p":${id},"t":${threadId},"k":"${kind}"`);
  const body = [head, ...fields.map((f) => FIELD_JSON[f]), `'}'`].join('+');
  return new Function('record', 'wire', 'wireArgs', `return (c) => { record(${body}); }`)(record, wire, wireArgs) as (c: Call) => void;
}

const NO_LOCALS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * A worker's call as the main thread's handlers see it: copies of the fields relayed, the rest
 * empty (its receiver, new.target and locals stay in the worker); `data` is this call's scratch.
 */
export class RelayedCall implements Call {
  readonly 'this': unknown = undefined;
  readonly newTarget: Function | undefined = undefined;
  readonly locals = NO_LOCALS;
  data: unknown = undefined;
  readonly args: unknown[];
  readonly retval: unknown;
  readonly error: unknown;
  readonly threw: boolean;
  readonly async: boolean;
  readonly elapsed: number;
  readonly threadId: number;
  readonly target: string;
  readonly func: string;

  constructor(readonly probe: Probe, ev: CallEvent) {
    this.args = ev.a?.map(decode) ?? [];
    this.retval = ev.r === undefined ? undefined : decode(ev.r);
    this.error = ev.e === undefined ? undefined : decode(ev.e);
    this.threw = ev.th === true;
    this.async = ev.as === true;
    this.elapsed = ev.el ?? NaN;
    this.threadId = ev.t;
    this.target = ev.tg ?? '';
    this.func = ev.fn ?? '';
  }
}
