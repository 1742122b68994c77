// The pure string, number and array methods a safe-mode handler may call, run on jsprobe's own
// copies with built-ins captured at load: a primitive string (never a String object or subclass),
// an array's own data elements copied into an array with no prototype (so no Symbol.species,
// `constructor` or element getter is reached). split, replace and replaceAll are written out:
// the built-ins look `Symbol.split`/`Symbol.replace` up on their argument, and so on
// String.prototype, where a program can put them. Every string a method builds keeps to the
// string bound (agg/safe-strlen.ts); repeat, padStart, padEnd and join work out the result's length
// before they build it, so `"a".repeat(2e8)` never allocates more than the bound.

import { types } from 'node:util';
import { display } from '../agg/format.js';
import { ownSlot } from '../agg/safe-format.js';
import { clip, CUT_MARKER, readable, STRLEN } from '../agg/safe-strlen.js';
import {
  ArrayIsArray, ArrayMethods, MathCeil, MathTrunc, NumberMethods, ObjectSetPrototypeOf, ReflectApply, SafeNumber, StringMethods,
  StringPrototypeCharCodeAt, StringPrototypeIndexOf, StringPrototypeSlice,
} from '../core/primordials.js';

const { isProxy } = types;
type Warn = (key: string) => void;

/** A new array with no prototype: writes and misses never reach Array.prototype. */
export function bare<T>(): T[] {
  return ObjectSetPrototypeOf([], null) as T[];
}

/** A primitive for an operator or a method argument: primitives as they are, objects as their printed form. */
export function prim(v: unknown, onAccessor?: Warn): unknown {
  return (typeof v === 'object' && v !== null) || typeof v === 'function' ? display(v, onAccessor) : v;
}

function primArgs(args: readonly unknown[], onAccessor: Warn | undefined): unknown[] {
  const out = bare<unknown>();
  for (let i = 0; i < args.length; i++) out[i] = prim(args[i], onAccessor);
  return out;
}

/** An array as jsprobe's own: its own data elements (an accessor or a hole reads as undefined). */
export function copyArray(a: readonly unknown[], onAccessor: Warn | undefined): unknown[] {
  const out = bare<unknown>();
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const s = ownSlot(a, `${i}`);
    if (s.kind !== 'value' && s.kind !== 'none' && onAccessor !== undefined) onAccessor(`${i}`);
    out[i] = s.value;
  }
  return out;
}

/** Array.prototype as it was when jsprobe loaded. */
const ARRAY_PROTOTYPE: object = Array.prototype;

/**
 * A list built on no prototype (no write reached Array.prototype) as an ordinary array, what a
 * handler gets back: the list itself, given the prototype. (A copy by the captured slice took 5x
 * as long as the split that built the list.)
 */
function toArray(list: unknown[]): unknown[] {
  return ObjectSetPrototypeOf(list, ARRAY_PROTOTYPE) as unknown[];
}

function split(s: string, sep: unknown, limit: unknown): unknown[] {
  const lim = limit === undefined ? 4294967295 : (limit as number) >>> 0;
  const out = bare<string>();
  if (lim === 0) return toArray(out);
  if (sep === undefined) {
    out[0] = s;
    return toArray(out);
  }
  const r = `${sep as string}`;
  if (r === '') {
    for (let i = 0; i < s.length && out.length < lim; i++) out[out.length] = s[i];
    return toArray(out);
  }
  let from = 0;
  for (let at = StringPrototypeIndexOf(s, r, 0); at >= 0 && out.length < lim; at = StringPrototypeIndexOf(s, r, from)) {
    out[out.length] = StringPrototypeSlice(s, from, at);
    from = at + r.length;
  }
  if (out.length < lim) out[out.length] = StringPrototypeSlice(s, from);
  return toArray(out);
}

/** GetSubstitution for a string pattern (no captures): $$, $&, $` and $'. */
function substitute(s: string, at: number, matched: string, replacement: string): string {
  let out = '';
  let from = 0;
  for (let i = StringPrototypeIndexOf(replacement, '$', 0); i >= 0 && i + 1 < replacement.length; i = StringPrototypeIndexOf(replacement, '$', from)) {
    const c = StringPrototypeCharCodeAt(replacement, i + 1);
    const piece = c === 36 ? '$' : c === 38 ? matched : c === 96 ? StringPrototypeSlice(s, 0, at)
      : c === 39 ? StringPrototypeSlice(s, at + matched.length) : undefined;
    if (piece === undefined) {
      out += StringPrototypeSlice(replacement, from, i + 1);
      from = i + 1;
      continue;
    }
    out += StringPrototypeSlice(replacement, from, i) + piece;
    from = i + 2;
  }
  return out + StringPrototypeSlice(replacement, from);
}

function replace(s: string, pattern: unknown, replacement: unknown, all: boolean): string {
  const p = `${pattern as string}`;
  const r = `${replacement as string}`;
  let at = StringPrototypeIndexOf(s, p, 0);
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += StringPrototypeSlice(s, from, at) + substitute(s, at, p, r);
    // Past the bound, the rest would only be cut off: `replaceAll("", x)` grows the string at every character.
    if (out.length > STRLEN.max) return out;
    from = at + p.length;
    // An empty pattern matches between every two characters, once each.
    const next = at + (p.length === 0 ? 1 : p.length);
    if (!all || next > s.length) break;
    at = StringPrototypeIndexOf(s, p, next);
  }
  return out + StringPrototypeSlice(s, from);
}

/** A length argument as the built-in reads it (ToNumber; a bigint is left for the built-in to refuse). */
function lengthArg(v: unknown): number {
  return typeof v === 'bigint' ? NaN : MathTrunc(SafeNumber(v));
}

/** `s.repeat(count)`, built no longer than just past the bound when the whole would be longer. */
function repeat(s: string, a: unknown[]): string {
  const n = lengthArg(a[0]);
  if (n >= 0 && n !== Infinity && s.length * n > STRLEN.max) return clip(StringMethods.repeat(s, MathCeil((STRLEN.max + 1) / s.length)) as string);
  return call(StringMethods, 'repeat', s, a) as string;
}

/** padStart/padEnd, to at most just past the bound. */
function pad(name: string, s: string, a: unknown[]): unknown {
  if (lengthArg(a[0]) > STRLEN.max) a[0] = STRLEN.max + 1;
  return call(StringMethods, name, s, a);
}

/**
 * `a.join(sep)` over the program's array, element by element (no copy of the whole), stopping
 * once the result is past the bound; an object is joined as its printed form, not its toString.
 */
function join(a: readonly unknown[], sep: unknown, onAccessor: Warn | undefined): string {
  const r = sep === undefined ? ',' : `${sep as string}`;
  const max = STRLEN.max;
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const slot = ownSlot(a, `${i}`);
    if (slot.kind !== 'value' && slot.kind !== 'none' && onAccessor !== undefined) onAccessor(`${i}`);
    const v = slot.value;
    let piece = v === null || v === undefined ? '' : `${prim(v, onAccessor) as string}`;
    // A long element is cut before it is joined (one count, for the result, below); one too long
    // to read is not read (agg/safe-strlen.ts), the marker in its place.
    if (piece.length > max) piece = readable(piece) === undefined ? CUT_MARKER : StringPrototypeSlice(piece, 0, max + 1);
    out += i === 0 ? piece : r + piece;
    if (out.length > max) break;
  }
  return out;
}

function call(table: Readonly<Record<string, (self: unknown, ...a: unknown[]) => unknown>>, name: string, recv: unknown, args: unknown[]): unknown {
  const f = table[name];
  if (f === undefined) return NOT_PURE;
  const list = bare<unknown>();
  list[0] = recv;
  for (let i = 0; i < args.length; i++) list[i + 1] = args[i];
  return ReflectApply(f, undefined, list);
}

const NOT_PURE = Symbol('not a pure method');

/** `recv.name(...args)` in safe mode: only pure built-in methods, on jsprobe's copies. */
export function safeMethod(recv: unknown, name: string, args: unknown[], onAccessor?: Warn): unknown {
  const a = primArgs(args, onAccessor);
  let r: unknown = NOT_PURE;
  if (typeof recv === 'string') {
    const s = recv.length > STRLEN.max ? clip(recv) : recv;
    if (name === 'split') r = split(s, a[0], a[1]);
    else if (name === 'replace' || name === 'replaceAll') r = replace(s, a[0], a[1], name === 'replaceAll');
    else if (name === 'repeat') r = repeat(s, a);
    else if (name === 'padStart' || name === 'padEnd') r = pad(name, s, a);
    else r = call(StringMethods, name, s, a);
  } else if (typeof recv === 'number') {
    r = call(NumberMethods, name, recv, a);
  } else if (ArrayIsArray(recv) && !isProxy(recv)) {
    // join converts each element: it prints the objects rather than call their toString.
    r = name === 'join' ? join(recv as unknown[], a[0], onAccessor) : call(ArrayMethods, name, copyArray(recv as unknown[], onAccessor), a);
  }
  if (typeof r === 'string') return r.length > STRLEN.max ? clip(r) : r;
  if (r !== NOT_PURE) return r;
  const what = recv === null ? 'null' : typeof recv === 'object' && recv !== null && !ArrayIsArray(recv) ? 'an object' : typeof recv;
  throw new TypeError(`.${name}() is not a pure method of ${what}: safe mode does not call it (--unsafe does)`);
}
