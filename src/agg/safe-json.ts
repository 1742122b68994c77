// JSON without running anyone's code, for `-f json`: jsonCopy() turns a program's value into
// jsprobe's own JSON data (bounded as safe-format.ts bounds text), and stringifyJson() writes
// jsprobe's own messages. Neither calls toJSON, a getter, a Proxy trap or an iterator:
// JSON.stringify looks `toJSON` up on every object, Object.prototype included. A copy keeps to
// the string bound (safe-strlen.ts) as text does: a string alone is cut to it, and a listing stops
// once the copy's strings and keys are past it (counted as one cut).

import { types } from 'node:util';
import { classOf, cutAt, FORMAT_LIMITS, formatValue, ownSlot, symbolText, type AccessorSeen } from './safe-format.js';
import { clip, cutText, STRLEN, unreadable } from './safe-strlen.js';
import {
  ArrayIsArray, JSONStringify, NumberIsFinite, ObjectSetPrototypeOf, ReflectOwnKeys,
} from '../core/primordials.js';
import { THROWN_UNSEEN, THROWN_UNSEEN_TEXT } from '../core/unseen-throw.js';

const { isProxy } = types;

/** JSON data: primitives, and objects and arrays with null prototypes (no toJSON to find). */
export type JsonData = string | number | boolean | null | JsonData[] | { [k: string]: JsonData };

function primitiveData(v: unknown): JsonData {
  switch (typeof v) {
    case 'string': return cutAt(v, FORMAT_LIMITS.string);
    case 'number': return NumberIsFinite(v) ? v : `${v}`;
    case 'boolean': return v;
    case 'bigint': return `${v}`;
    case 'symbol': return v === THROWN_UNSEEN ? THROWN_UNSEEN_TEXT : symbolText(v);
    default: return null;
  }
}

class Copy {
  budget: number = FORMAT_LIMITS.values;
  /** Characters of the strings and keys copied so far, and whether a listing stopped at the bound. */
  chars = 0;
  full = false;
  readonly stack: object[] = ObjectSetPrototypeOf([], null) as object[];
  constructor(readonly onAccessor: AccessorSeen | undefined) {}

  /** Past the string bound: the listing stops here, and the copy counts as cut. */
  stop(): boolean {
    if (this.chars <= STRLEN.max) return false;
    this.cut();
    return true;
  }

  /** One copy counts as one cut string, however many of its parts were cut. */
  cut(): void {
    if (!this.full) STRLEN.cut++;
    this.full = true;
  }

  text(s: string): string {
    if (s.length > STRLEN.max) {
      // Too long to read: counted as such, each one (cutText() reads none of it).
      if (unreadable(s.length)) STRLEN.unread++;
      else this.cut();
      s = cutText(s);
    }
    this.chars += s.length;
    return s;
  }

  value(v: unknown, level: number): JsonData {
    if (--this.budget < 0) return '…';
    if ((typeof v !== 'object' || v === null) && typeof v !== 'function') {
      const d = primitiveData(v);
      return typeof d === 'string' ? this.text(d) : d;
    }
    const o = v as object;
    if (isProxy(o)) return '[Proxy]';
    for (let i = 0; i < this.stack.length; i++) if (this.stack[i] === o) return '[Circular]';
    const name = classOf(o);
    const plain = ArrayIsArray(o) ? name === 'Array' : name === 'Object' || name === undefined;
    // Anything with internal slots (Date, Map, Error, …) or a class of its own is its text.
    if (!plain || typeof o === 'function') return this.text(formatValue(o, this.onAccessor));
    if (level > FORMAT_LIMITS.depth) return ArrayIsArray(o) ? '[Array]' : '[Object]';
    this.stack[this.stack.length] = o;
    try {
      return ArrayIsArray(o) ? this.array(o as unknown[], level) : this.object(o, level);
    } finally {
      this.stack.length--;
    }
  }

  slot(key: string, s: ReturnType<typeof ownSlot>, level: number): JsonData {
    if (s.kind === 'value') return this.value(s.value, level + 1);
    if (this.onAccessor !== undefined) this.onAccessor(key);
    return s.kind === 'get' ? '[Getter]' : s.kind === 'set' ? '[Setter]' : '[Getter/Setter]';
  }

  array(a: unknown[], level: number): JsonData {
    const out = ObjectSetPrototypeOf([], null) as JsonData[];
    const n = a.length < FORMAT_LIMITS.items ? a.length : FORMAT_LIMITS.items;
    let i = 0;
    for (; i < n && this.budget > 0 && !this.stop(); i++) {
      const s = ownSlot(a, `${i}`);
      out[i] = s.kind === 'none' ? null : this.slot(`${i}`, s, level);
    }
    const left = a.length - (this.full ? i : n);
    if (left > 0) out[out.length] = `... ${left} more items`;
    return out;
  }

  object(o: object, level: number): JsonData {
    const out = ObjectSetPrototypeOf({}, null) as Record<string, JsonData>;
    const keys = ReflectOwnKeys(o);
    let shown = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (typeof k === 'symbol') continue; // JSON has no symbol keys
      const s = ownSlot(o, k);
      if (!s.enumerable) continue;
      if (shown === FORMAT_LIMITS.items || this.budget <= 0 || this.stop()) break;
      out[this.text(k)] = this.slot(k, s, level);
      shown++;
    }
    return out;
  }
}

/** A program's value as jsprobe's own JSON data, bounded by FORMAT_LIMITS. */
export function jsonCopy(v: unknown, onAccessor?: AccessorSeen): JsonData {
  if (typeof v === 'string') return v.length > STRLEN.max ? clip(v) : v; // on its own, whole (to the bound), as text prints it
  return new Copy(onAccessor).value(v, 0);
}

/**
 * jsprobe's own message (plain objects and arrays of primitives) as a JSON line's text. Objects
 * are read by own data properties; anything else (a getter, a class instance) is written as its
 * formatted text, never called.
 */
export function stringifyJson(v: unknown, level = 0): string {
  switch (typeof v) {
    case 'string': return JSONStringify(v) as string;
    case 'number': return NumberIsFinite(v) ? `${v}` : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return `${v}`;
    case 'undefined': case 'symbol': case 'function': return 'null';
  }
  if (v === null) return 'null';
  const o = v as object;
  if (isProxy(o) || level > 64) return JSONStringify(formatValue(o)) as string;
  if (ArrayIsArray(o)) {
    let out = '';
    for (let i = 0; i < (o as unknown[]).length; i++) {
      const s = ownSlot(o, `${i}`);
      out += `${i === 0 ? '' : ','}${s.kind === 'value' ? stringifyJson(s.value, level + 1) : 'null'}`;
    }
    return `[${out}]`;
  }
  const name = classOf(o);
  if (name !== 'Object' && name !== undefined) return JSONStringify(formatValue(o)) as string;
  const keys = ReflectOwnKeys(o);
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k === 'symbol') continue;
    const s = ownSlot(o, k);
    if (!s.enumerable || s.kind !== 'value' || s.value === undefined || typeof s.value === 'function' || typeof s.value === 'symbol') continue;
    out += `${out === '' ? '' : ','}${JSONStringify(k) as string}:${stringifyJson(s.value, level + 1)}`;
  }
  return `{${out}}`;
}
