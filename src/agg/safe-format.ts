// jsprobe's own value formatter, for `%s`, `print`, map keys and values and operators on objects.
// It only reads: own data properties by descriptor (safe-read.ts), internal slots through
// built-ins captured at load (primordials). It never calls a getter, enters a Proxy (on the value
// or anywhere on its prototype chain), calls toString/valueOf/Symbol.toPrimitive/toJSON/inspect
// hooks, or iterates with the program's iterators. Output follows util.inspect's shape, and one
// formatting's text keeps to the string bound (safe-strlen.ts): a listing stops once it is past it.

import { types } from 'node:util';
import {
  ArrayBufferPrototypeGetByteLength, ArrayIsArray, BigIntPrototypeValueOf, BooleanPrototypeValueOf, DataViewPrototypeGetByteLength,
  DatePrototypeGetTime, DatePrototypeToISOString, FunctionPrototypeToStringOf, MapIteratorNext, MapPrototypeEntries,
  MapPrototypeGetSize, NumberPrototypeValueOf, ObjectGetPrototypeOf, ObjectPrototype, ObjectSetPrototypeOf, ReflectOwnKeys, RegExpFlagGetters,
  RegExpPrototypeGetSource, SafeString, SetIteratorNext, SetPrototypeGetSize, SetPrototypeValues,
  SharedArrayBufferPrototypeGetByteLength, StringPrototypeCharCodeAt, StringPrototypeIncludes, StringPrototypeSlice, StringPrototypeStartsWith,
  StringPrototypeValueOf, SymbolPrototypeGetDescription, SymbolPrototypeValueOf, TypedArrayPrototypeGetLength, TypedArrayPrototypeGetSymbolToStringTag,
} from '../core/primordials.js';
import { THROWN_UNSEEN, THROWN_UNSEEN_TEXT } from '../core/unseen-throw.js';
import { builtinOnChain, classOf, dataAlongChain, NO_SLOT, ownSlot, stackReadable, type Slot } from './safe-read.js';
import { clip, readable, STRLEN, unreadable } from './safe-strlen.js';
import { FORMAT_LIMITS } from './format-limits.js';

export { FORMAT_LIMITS };

export { ownSlot, stackReadable, classOf, type Slot };

/** Called with a property's name the first time formatting meets an accessor on a value. */
export type AccessorSeen = (key: string) => void;

// util.types as it is now: a program could replace its functions later.
const {
  isProxy, isBoxedPrimitive, isDate, isRegExp, isNativeError, isPromise, isMap, isSet, isWeakMap, isWeakSet, isTypedArray,
  isArrayBuffer, isSharedArrayBuffer, isDataView, isModuleNamespaceObject, isExternal, isStringObject, isNumberObject,
  isBooleanObject, isBigIntObject,
} = types;

/** A property named as a key is written: `a`, `'a-b'`, `[Symbol(x)]`. */
function keyText(k: PropertyKey): string {
  if (typeof k === 'symbol') return `[${symbolText(k)}]`;
  const s = k as string;
  // Its length first: a key is cut as a value is, and a long one is not looked at character by character.
  return s.length <= FORMAT_LIMITS.string && isIdentifier(s) ? s : quote(s, FORMAT_LIMITS.string);
}

/**
 * `Symbol(description)`, a long description cut as a string in an object is: whole, one too long
 * to read made the whole value printed too long to read (the marker alone), and a warning's line as long.
 */
export function symbolText(sym: symbol): string {
  const d = SymbolPrototypeGetDescription(sym);
  return d !== undefined && d.length > FORMAT_LIMITS.string ? `Symbol(${cutAt(d, FORMAT_LIMITS.string)})` : SafeString(sym);
}

/** A property's name for a warning: as keyText() cuts it. */
function keyName(k: PropertyKey): string {
  if (typeof k === 'symbol') return symbolText(k);
  const s = k as string;
  return cutAt(s, FORMAT_LIMITS.string);
}

function isIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  // Characters by index (in range: the string's own), not a call per character.
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Null prototypes: a miss must not reach Object.prototype, where a program can put getters.
const ESCAPES: Record<string, string | undefined> = ObjectSetPrototypeOf(
  { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '\\': '\\\\' }, null);

/**
 * The quote util.inspect puts around `t`: single, else double where `t` holds a single quote, else
 * a backtick where it holds both (and no backtick or `${`); else single, its own escaped.
 */
function quoteFor(t: string): string {
  if (!StringPrototypeIncludes(t, "'")) return "'";
  if (!StringPrototypeIncludes(t, '"')) return '"';
  if (!StringPrototypeIncludes(t, '`') && !StringPrototypeIncludes(t, '${')) return '`';
  return "'";
}

/** A string as util.inspect quotes it inside objects (`"it's"`), escapes, cut at `max`. */
export function quote(s: string, max: number): string {
  const t = s.length > max || unreadable(s.length) ? readPrefix(s, max) : s;
  const cut = t.length < s.length;
  const q = quoteFor(t);
  let out = q;
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c >= ' ' && c !== q && c !== '\\') continue;
    const e = c === q ? `\\${q}` : ESCAPES[c] ?? `\\x${hex(StringPrototypeCharCodeAt(t, i))}`;
    out += StringPrototypeSlice(t, from, i) + e;
    from = i + 1;
  }
  out += `${StringPrototypeSlice(t, from)}${q}`;
  const more = s.length - t.length;
  return cut ? `${out}... ${more} more character${more === 1 ? '' : 's'}` : out;
}

/** `s`, or past `max` characters its first `max` and `...`: the marker alone where it is too long to read (counted). */
export function cutAt(s: string, max: number): string {
  return s.length > max ? `${readPrefix(s, max)}...` : s;
}

/** The first `max` characters of `s`, none where it is too long to read (counted as not read). */
function readPrefix(s: string, max: number): string {
  return readable(s) === undefined ? '' : StringPrototypeSlice(s, 0, max);
}

function hex(c: number): string {
  const d = '0123456789ABCDEF';
  return d[(c >> 4) & 15] + d[c & 15];
}

/** Text of a primitive, as util.inspect shows it inside an object (`nested`) or on its own. */
function primitiveText(v: unknown, nested: boolean): string {
  switch (typeof v) {
    case 'string': return nested ? quote(v, FORMAT_LIMITS.string) : v;
    case 'number': return v === 0 && 1 / v < 0 ? '-0' : `${v}`;
    case 'bigint': return `${v}n`;
    case 'symbol': return v === THROWN_UNSEEN ? THROWN_UNSEEN_TEXT : symbolText(v);
    default: return `${v as boolean | null | undefined}`;
  }
}

/** One formatting: its budget, the objects being printed (for cycles), the accessor callback. */

/** What a listing left out: `, ... N more items`, or nothing. */
function moreItems(n: number): string {
  return n > 0 ? `, ... ${n} more item${n === 1 ? '' : 's'}` : '';
}
class Walk {
  budget: number = FORMAT_LIMITS.values;
  /** Past this many characters a listing stops (what follows would be cut off). */
  readonly max = STRLEN.max;
  readonly stack: object[] = ObjectSetPrototypeOf([], null) as object[];
  constructor(readonly onAccessor: AccessorSeen | undefined, readonly depth: number) {}

  value(v: unknown, level: number): string {
    if (--this.budget < 0) return '…';
    if ((typeof v !== 'object' || v === null) && typeof v !== 'function') return primitiveText(v, level > 0);
    const o = v as object;
    if (isProxy(o)) return '[Proxy]';
    for (let i = 0; i < this.stack.length; i++) if (this.stack[i] === o) return '[Circular]';
    this.stack[this.stack.length] = o;
    try {
      return this.object(o, level);
    } finally {
      this.stack.length--;
    }
  }

  object(o: object, level: number): string {
    if (typeof o === 'function') return functionText(o);
    // A plain object (the common case) needs no class name and has no internal slots to show.
    const plain = ObjectGetPrototypeOf(o) === ObjectPrototype && !ArrayIsArray(o);
    const name = plain ? 'Object' : classOf(o);
    if (ArrayIsArray(o)) {
      if (level > this.depth) return '[Array]';
      return this.array(o as unknown[], name === 'Array' ? '' : `${name}(${(o as unknown[]).length}) `, level);
    }
    // Internal slots only behind a built-in prototype: a class of the program's own skips the checks.
    const special = plain || !builtinOnChain() ? undefined : this.special(o, name, level);
    if (special !== undefined) return special;
    if (level > this.depth) return `[${name ?? 'Object: null prototype'}]`;
    const prefix = name === 'Object' ? '' : name === undefined ? '[Object: null prototype] ' : `${name} `;
    return this.props(o, prefix, '', level);
  }

  /** Objects whose contents are internal slots, read through captured built-ins. */
  special(o: object, name: string | undefined, level: number): string | undefined {
    if (isBoxedPrimitive(o)) return boxedText(o);
    if (isDate(o)) {
      const t = DatePrototypeGetTime(o);
      return t === t ? DatePrototypeToISOString(o) : 'Invalid Date';
    }
    if (isRegExp(o)) {
      let flags = '';
      for (let i = 0; i < RegExpFlagGetters.length; i++) if (RegExpFlagGetters[i][1](o) === true) flags += RegExpFlagGetters[i][0];
      return `/${RegExpPrototypeGetSource(o)}/${flags}`;
    }
    if (isNativeError(o)) return this.error(o);
    if (isPromise(o)) return level > this.depth ? '[Promise]' : this.props(o, `${name ?? 'Promise'} `, '<unknown>', level);
    if (isMap(o)) return level > this.depth ? `[${name ?? 'Map'}]` : this.map(o, name ?? 'Map', level);
    if (isSet(o)) return level > this.depth ? `[${name ?? 'Set'}]` : this.set(o, name ?? 'Set', level);
    if (isWeakMap(o) || isWeakSet(o)) return `${name ?? 'Weak'} { <items unknown> }`;
    if (isTypedArray(o)) return level > this.depth ? `[${name ?? 'TypedArray'}]` : this.typedArray(o, name, level);
    if (isArrayBuffer(o)) return `${name ?? 'ArrayBuffer'} { byteLength: ${ArrayBufferPrototypeGetByteLength(o)} }`;
    if (isSharedArrayBuffer(o)) return `${name ?? 'SharedArrayBuffer'} { byteLength: ${SharedArrayBufferPrototypeGetByteLength(o)} }`;
    if (isDataView(o)) return `${name ?? 'DataView'} { byteLength: ${DataViewPrototypeGetByteLength(o)} }`;
    if (isModuleNamespaceObject(o)) return level > this.depth ? '[Module]' : this.props(o, '[Module: null prototype] ', '', level);
    if (isExternal(o)) return '[External]';
    return undefined;
  }

  error(o: object): string {
    const message = ownSlot(o, 'message');
    const name = dataAlongChain(o, 'name');
    const n = (typeof name === 'string' ? readable(name) : undefined) ?? 'Error';
    // `stack` is left alone: reading it can format the trace through Error.prepareStackTrace.
    const m = message.kind === 'value' && typeof message.value === 'string' ? message.value : '';
    if (m === '') return `[${n}]`;
    return `[${n}: ${cutAt(m, FORMAT_LIMITS.string)}]`;
  }

  /** A property's value as printed, or what kind of accessor it is. */
  slotText(key: PropertyKey, s: Slot, level: number): string {
    if (s.kind === 'value') return this.value(s.value, level + 1);
    if (this.onAccessor !== undefined) this.onAccessor(keyName(key));
    return s.kind === 'get' ? '[Getter]' : s.kind === 'set' ? '[Setter]' : '[Getter/Setter]';
  }

  props(o: object, prefix: string, first: string, level: number): string {
    const keys = ReflectOwnKeys(o);
    let out = first;
    let shown = 0;
    let more = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      // An own `stack` (Error.captureStackTrace) formats itself when first read: see stackReadable().
      const s = k === 'stack' && !stackReadable(o) ? NO_SLOT : ownSlot(o, k);
      if (!s.enumerable) continue;
      if (shown === FORMAT_LIMITS.items || this.budget <= 0 || out.length > this.max) {
        more++;
        continue;
      }
      out += `${out === '' ? '' : ', '}${keyText(k)}: ${this.slotText(k, s, level)}`;
      shown++;
    }
    if (more > 0) out += `, ... ${more} more propert${more === 1 ? 'y' : 'ies'}`;
    return out === '' ? `${prefix}{}` : `${prefix}{ ${out} }`;
  }

  array(a: unknown[], prefix: string, level: number): string {
    const len = a.length;
    let out = '';
    let holes = 0;
    const n = len < FORMAT_LIMITS.items ? len : FORMAT_LIMITS.items;
    const flush = () => {
      out += `${out === '' ? '' : ', '}<${holes} empty item${holes === 1 ? '' : 's'}>`;
      holes = 0;
    };
    let i = 0;
    for (; i < n && this.budget > 0 && out.length <= this.max; i++) {
      const s = ownSlot(a, `${i}`);
      if (s.kind === 'none') {
        holes++;
        continue;
      }
      if (holes > 0) flush();
      out += `${out === '' ? '' : ', '}${this.slotText(i, s, level)}`;
    }
    if (holes > 0) flush();
    out += moreItems(len - (out.length > this.max ? i : n));
    return out === '' ? `${prefix}[]` : `${prefix}[ ${out} ]`;
  }

  typedArray(a: object, name: string | undefined, level: number): string {
    const len = TypedArrayPrototypeGetLength(a);
    const tag = TypedArrayPrototypeGetSymbolToStringTag(a) ?? 'TypedArray';
    const n = len < FORMAT_LIMITS.items ? len : FORMAT_LIMITS.items;
    let out = '';
    // Element reads of a typed array never reach its prototype (integer-indexed exotic object).
    for (let i = 0; i < n; i++) out += `${i === 0 ? '' : ', '}${primitiveText((a as Record<number, unknown>)[i], level > 0)}`;
    out += moreItems(len - n);
    const label = name !== undefined && name !== tag ? `${name}(${len}) [${tag}]` : `${tag}(${len})`;
    return out === '' ? `${label} []` : `${label} [ ${out} ]`;
  }

  map(m: object, name: string, level: number): string {
    const size = MapPrototypeGetSize(m);
    const it = MapPrototypeEntries(m);
    let out = '';
    for (let i = 0; i < FORMAT_LIMITS.items && this.budget > 0 && out.length <= this.max; i++) {
      const r = MapIteratorNext(it);
      if (r.done === true) break;
      out += `${i === 0 ? '' : ', '}${this.value(r.value[0], level + 1)} => ${this.value(r.value[1], level + 1)}`;
    }
    out += moreItems(size - FORMAT_LIMITS.items);
    return out === '' ? `${name}(0) {}` : `${name}(${size}) { ${out} }`;
  }

  set(s: object, name: string, level: number): string {
    const size = SetPrototypeGetSize(s);
    const it = SetPrototypeValues(s);
    let out = '';
    for (let i = 0; i < FORMAT_LIMITS.items && this.budget > 0 && out.length <= this.max; i++) {
      const r = SetIteratorNext(it);
      if (r.done === true) break;
      out += `${i === 0 ? '' : ', '}${this.value(r.value, level + 1)}`;
    }
    out += moreItems(size - FORMAT_LIMITS.items);
    return out === '' ? `${name}(0) {}` : `${name}(${size}) { ${out} }`;
  }
}

function boxedText(o: object): string {
  if (isStringObject(o)) return `[String: ${quote(StringPrototypeValueOf(o), FORMAT_LIMITS.string)}]`;
  if (isNumberObject(o)) return `[Number: ${primitiveText(NumberPrototypeValueOf(o), true)}]`;
  if (isBooleanObject(o)) return `[Boolean: ${BooleanPrototypeValueOf(o)}]`;
  if (isBigIntObject(o)) return `[BigInt: ${BigIntPrototypeValueOf(o)}n]`;
  return `[Symbol: ${symbolText(SymbolPrototypeValueOf(o))}]`;
}

/** `[Function: f]`, `[class A]`, `[Function (anonymous)]`: the name only if it is own data. */
function functionText(f: object): string {
  const n = ownSlot(f, 'name');
  const name = n.kind === 'value' && typeof n.value === 'string' && n.value !== '' ? readable(n.value) : undefined;
  let isClass = false;
  try {
    isClass = StringPrototypeStartsWith(FunctionPrototypeToStringOf(f), 'class');
  } catch {
    // not a function toString reads (nothing of the program's ran)
  }
  if (isClass) return name === undefined ? '[class (anonymous)]' : `[class ${name}]`;
  return name === undefined ? '[Function (anonymous)]' : `[Function: ${name}]`;
}

/**
 * A value as text, without running the traced program's code: strings as they are, other
 * primitives as `String()` would show them, objects in util.inspect's shape within FORMAT_LIMITS
 * (`depth` levels of nesting: `str(x, N)`); the text within the string bound.
 */
export function formatValue(v: unknown, onAccessor?: AccessorSeen, depth: number = FORMAT_LIMITS.depth): string {
  if (typeof v === 'string') return v.length > STRLEN.max ? clip(v) : v;
  if ((typeof v !== 'object' || v === null) && typeof v !== 'function') return primitiveText(v, false);
  const s = new Walk(onAccessor, depth).value(v, 0);
  return s.length > STRLEN.max ? clip(s) : s;
}

/**
 * An error as a fault report shows it: its stack when reading that runs nothing of the program's
 * (see stackReadable()), otherwise its formatted form, `[TypeError: message]`.
 */
export function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null && !isProxy(e) && isNativeError(e) && stackReadable(e)) {
    const s = ownSlot(e, 'stack');
    if (s.kind === 'value' && typeof s.value === 'string') return s.value;
  }
  return formatValue(e);
}
