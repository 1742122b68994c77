// Wrap sites: a property that holds a function (or a getter/setter pair) is replaced by a
// transparent wrapper that enters core's hot path. Wrappers are made by a factory compiled per
// copy of the hot path and shape, so a site costs a closure, not a compile, and the calls in a
// wrapper see one copy of the hot path.
//
// What a wrap site keeps: `length`, `name`, `prototype`, other own properties and symbols (copied
// when it is made), the property's attributes, `new` and `new.target`, `this` (sloppy-mode boxing
// happens in the original), `instanceof`. What it cannot keep while armed: identity (the property
// holds the wrapper, not the original), `toString()` (it shows the wrapper), one extra stack frame,
// and later changes to the original's own properties. Unregistering the last probe puts the
// original back (`===`), unless something else replaced or wrapped the property meanwhile: then
// the wrapper stays in place and calls straight through.

import { syncBuiltinESMExports } from 'node:module';
import { types } from 'node:util';
import {
  assertNotDenied, dispatchFor, JsprobeError, ProbeSite,
  type Dispatch, type SiteBackend,
} from '../core/index.js';
import { defineOwn, FunctionToString, ObjectSetPrototypeOf, ownDescriptor } from '../core/primordials.js';
import type { ProbeCore } from '../core/probe.js';
import { functionKind, isConstructor, type FunctionKind } from './function-kind.js';
import { noteWrapper } from './wrapped.js';

const wrappers = new WeakMap<Function, ProbeSite>();

const EXIT: Record<FunctionKind, string> = {
  plain: 'exitReturn(f, v, own)',
  async: 'exitReturn(f, v, own)',
  generator: 'exitGenerator(f, v, false)',
  'async-generator': 'exitGenerator(f, v, true)',
};

/**
 * The source of a wrapper factory: `make(slots, orig, name)` gives one site's wrapper. The body is
 * kept small on purpose: V8 inlines the wrapper and core's hot path into callers only while their
 * bytecode fits its inlining budget (~920 bytes), so construct calls take a second function and
 * `arguments` is only ever indexed, never passed. A snapshot with `quick` set reads nothing of the
 * call at entry (a return probe that only counts, or reads only the return): it skips the rest.
 */
function wrapperSource(kind: FunctionKind, constructible: boolean): string {
  const construct = constructible ? `
  const construct = function (s, self, args, nt) {
    if (s === null) return RC(orig, args, nt);
    const n = args.length;
    const f = enterNew(s, self, nt, n, args[0], args[1], args[2], args[3], n > 4 ? Array.prototype.slice.call(args, 4) : undefined);
    if (f === null) return RC(orig, args, nt);
    let v;
    try {
      v = RC(orig, args, nt);
    } catch (e) {
      throw exitThrow(f, e);
    }
    return exitConstruct(f, v);
  };` : '';
  const head = constructible
    ? `[name]: function () {
      if (new.target !== undefined) return construct(slots[0], this, arguments, new.target === self ? orig : new.target);`
    : `[name]() {`;
  return `'use strict';
const { enter, enterQuick, enterNew, exitReturn, exitThrow, exitConstruct, exitGenerator } = dispatch;
const RA = Reflect.apply;
const RC = Reflect.construct;
return function make(slots, orig, name, own) {${construct}
  const self = ({
    ${head}
      const s = slots[0];
      if (s === null) return RA(orig, this, arguments);
      let f;
      if (s.quick !== null) f = enterQuick(s);
      else {
        const n = arguments.length;
        let rest;
        if (n > 4) {
          rest = [];
          for (let i = 4; i < n; i++) rest.push(arguments[i]);
        }
        f = enter(s, this, n, arguments[0], arguments[1], arguments[2], arguments[3], rest);
      }
      if (f === null) return RA(orig, this, arguments);
      let v;
      try {
        v = RA(orig, this, arguments);
      } catch (e) {
        throw exitThrow(f, e);
      }
      return ${EXIT[kind]};
    }
  })[name];
  return self;
};`;
}

type MakeWrapper = (slots: ProbeSite['slots'], orig: Function, name: string, own: ProbeCore | null) => Function;

/** Wrapper factories by copy of the hot path, then by shape (kind, constructible). */
const factories = new WeakMap<Dispatch, Map<string, MakeWrapper>>();
let compiled = 0;

/**
 * One compiled factory per (copy of the hot path, shape), not per site: the wrappers it makes share
 * feedback, and their calls into the hot path stay monomorphic because all of them call one copy.
 * Compiling a wrapper per site cost ~0.25 ms each (and the copy of the hot path per site ~1 ms).
 */
function factoryFor(d: Dispatch, kind: FunctionKind, constructible: boolean): MakeWrapper {
  let byShape = factories.get(d);
  if (byShape === undefined) factories.set(d, (byShape = new Map()));
  const shape = `${kind}${constructible ? '+new' : ''}`;
  let make = byShape.get(shape);
  if (make === undefined) {
    // The comment makes the source unique: V8 caches `new Function` by source text, and closures of
    // one cached function share one feedback vector, which would mix the copies of the hot path.
    const unique = `${wrapperSource(kind, constructible)}\n// jsprobe wrap factory ${++compiled}`;
    make = new Function('dispatch', unique)(d) as MakeWrapper;
    byShape.set(shape, make);
  }
  return make;
}

/** What decides a site's copy of the hot path: its kind and its probes' handlers, by their source. */
const handlerKeys = new WeakMap<ProbeCore, string>();

function handlerKey(p: ProbeCore): string {
  let k = handlerKeys.get(p);
  if (k === undefined) {
    const text = (f: Function | null): string => {
      if (f === null) return '';
      try {
        return FunctionToString(f);
      } catch {
        return '?'; // unreadable (handler-use.ts treats it alike): such handlers share a copy
      }
    };
    k = `${p.counter === null ? '' : 'count'}\u0001${text(p.onEntry)}\u0001${text(p.onReturn)}`;
    handlerKeys.set(p, k);
  }
  return k;
}

function dispatchKey(site: ProbeSite, kind: FunctionKind): string {
  const probes = site.snapshot?.probes ?? site.probes;
  let key = kind;
  for (const p of probes) key += `\u0000${handlerKey(p)}`;
  return key;
}

function makeWrapper(site: ProbeSite, orig: Function): Function {
  const kind = functionKind(orig);
  const constructible = kind === 'plain' && isConstructor(orig);
  const make = factoryFor(dispatchFor(dispatchKey(site, kind)), kind, constructible);
  const name = typeof orig.name === 'string' ? orig.name : '';
  // The site's one probe, when it has one that keeps no record: its handler is called through this
  // reference, which V8 takes for a constant where the wrapper is inlined (dispatch's callReturn).
  const wrapper = make(site.slots, orig, name, site.snapshot?.light ?? null);
  copyOwnProperties(orig, wrapper);
  Object.setPrototypeOf(wrapper, Object.getPrototypeOf(orig));
  wrappers.set(wrapper, site);
  noteWrapper(wrapper, orig);
  return wrapper;
}

function copyOwnProperties(from: Function, to: Function): void {
  for (const k of Reflect.ownKeys(from)) {
    if (k === 'arguments' || k === 'caller') continue;
    const d = ownDescriptor(from, k)!;
    try {
      defineOwn(to, k, d);
    } catch {
      // A wrapper's own non-configurable `prototype` cannot take every shape; the value is set.
      if (k === 'prototype') (to as { prototype?: unknown }).prototype = d.value;
    }
  }
}

/** A readable name for `object.key`: `Db.prototype.query`, `Db.create`, `fs.readFile`. */
export function propertyLabel(object: object, key: PropertyKey): string {
  const k = typeof key === 'symbol' ? `[${key.description ?? 'symbol'}]` : String(key);
  if (typeof object === 'function') return `${object.name || 'anonymous'}.${k}`;
  const ctor = Object.prototype.hasOwnProperty.call(object, 'constructor') ? (object as { constructor?: unknown }).constructor : undefined;
  if (typeof ctor === 'function' && ctor.prototype === object) return `${ctor.name}.prototype.${k}`;
  return `${(object as { constructor?: { name?: string } }).constructor?.name || 'Object'}.${k}`;
}

/** The descriptor of `key` on `object` or the nearest prototype that has it. */
function findProperty(object: object, key: PropertyKey): PropertyDescriptor | undefined {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o)) {
    const d = ownDescriptor(o, key);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Sites by object and key, while they have probes: a disarmed site has its wrapper taken out. */
const byProperty = new WeakMap<object, Map<PropertyKey, ProbeSite>>();

class WrapBackend implements SiteBackend {
  readonly kind = 'wrap' as const;
  readonly target: string;
  site!: ProbeSite;
  readonly #object: object;
  readonly #key: PropertyKey;
  readonly #builtin: boolean;
  /** What the property was before the wrapper went in; undefined when it was inherited. */
  #original: PropertyDescriptor | undefined;
  #installed: PropertyDescriptor | undefined;

  constructor(target: string, object: object, key: PropertyKey, builtin: boolean) {
    this.target = target;
    this.#object = object;
    this.#key = key;
    this.#builtin = builtin;
  }

  #holdsWrapper(): boolean {
    const now = ownDescriptor(this.#object, this.#key);
    const w = this.#installed;
    return now !== undefined && w !== undefined && now.value === w.value && now.get === w.get && now.set === w.set;
  }

  /** Put a wrapper around what the property holds now. */
  install(): void {
    if (this.#holdsWrapper()) return;
    const own = ownDescriptor(this.#object, this.#key);
    const desc = own ?? findProperty(this.#object, this.#key)!;
    const wrapped = (f: Function | undefined): Function | undefined => f && makeWrapper(this.site, f);
    const installed: PropertyDescriptor = desc.get !== undefined || desc.set !== undefined
      ? {
        get: wrapped(desc.get) as () => unknown, set: wrapped(desc.set) as (v: unknown) => void,
        enumerable: desc.enumerable, configurable: desc.configurable,
      }
      : { ...desc, value: wrapped(desc.value as Function) };
    if (own === undefined) installed.configurable = true;
    // Kept, and read again (#holdsWrapper): without a prototype, as the descriptors read here are.
    ObjectSetPrototypeOf(installed, null);
    defineOwn(this.#object, this.#key, installed);
    this.#original = own;
    this.#installed = installed;
    if (this.#builtin) syncBuiltinESMExports();
  }

  /** Put the original back; a note says why not when something else holds the property now. */
  #uninstall(): string | undefined {
    if (!this.#holdsWrapper()) {
      return `${this.target} no longer holds jsprobe's wrapper (another library replaced or wrapped it); the wrapper stays there and calls straight through`;
    }
    if (this.#original === undefined) delete (this.#object as Record<PropertyKey, unknown>)[this.#key];
    else defineOwn(this.#object, this.#key, this.#original);
    for (const f of [this.#installed?.value, this.#installed?.get, this.#installed?.set]) {
      if (typeof f === 'function') wrappers.delete(f);
    }
    this.#installed = undefined;
    if (this.#builtin) syncBuiltinESMExports();
    return undefined;
  }

  /** pino's noop: nothing armed means the original is back, so a disabled probe costs nothing. */
  setLive(live: boolean): void {
    if (live) this.install();
    else this.site.note = this.#uninstall();
  }

  detach(): string | undefined {
    byProperty.get(this.#object)?.delete(this.#key);
    return this.#installed === undefined ? undefined : this.#uninstall();
  }
}

function notWrappable(label: string, why: string): never {
  throw new JsprobeError('JSPROBE_E_NOT_WRAPPABLE', `cannot wrap ${label}: ${why}`);
}

export interface WrapOptions {
  /** Printable target; defaults to propertyLabel(object, key). */
  label?: string;
  /** `object` is (part of) a builtin module's exports: keep `import { x } from 'node:…'` in step. */
  builtin?: boolean;
}

/**
 * The site for the function held by `object[key]`: an existing one if the property already holds
 * a jsprobe wrapper, else a new wrapper installed now. An inherited property is shadowed by an
 * own one on `object` (as shimmer does for one instance), removed again on detach.
 */
export function wrapSite(object: object, key: PropertyKey, options: WrapOptions = {}): ProbeSite {
  const label = options.label ?? propertyLabel(object, key);
  const known = byProperty.get(object)?.get(key);
  if (known !== undefined) return known;
  const own = ownDescriptor(object, key);
  const desc = own ?? findProperty(object, key);
  if (desc === undefined) {
    throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `${label}: no property ${String(key)} on the object or its prototypes`);
  }
  const existing = (typeof desc.value === 'function' && wrappers.get(desc.value)) || (desc.get !== undefined && wrappers.get(desc.get));
  if (existing) return existing;
  // By V8's own test, not a read of Symbol.toStringTag, where a getter of the program's could run.
  if (types.isModuleNamespaceObject(object)) {
    notWrappable(label, 'it is an ES module export, and module namespaces are read-only; probe the function in its file instead (load or live site)');
  }
  const accessor = desc.get !== undefined || desc.set !== undefined;
  if (!accessor && typeof desc.value !== 'function') {
    throw new JsprobeError('JSPROBE_E_NOT_A_FUNCTION', `${label} holds ${desc.value === null ? 'null' : typeof desc.value}, not a function`);
  }
  for (const f of [desc.value, desc.get, desc.set]) if (f !== undefined) assertNotDenied(f, label);
  if (own === undefined && !Object.isExtensible(object)) notWrappable(label, 'the property is inherited and the object is not extensible');
  if (own !== undefined && !desc.configurable && (accessor || !desc.writable)) {
    notWrappable(label, 'the property is read-only and non-configurable (a frozen object or a non-configurable export getter); use a live site');
  }
  const kind = accessor ? 'plain' : functionKind(desc.value as Function);
  const backend = new WrapBackend(label, object, key, options.builtin === true);
  const site = new ProbeSite(backend, { deferred: kind !== 'plain' });
  backend.site = site;
  let sites = byProperty.get(object);
  if (sites === undefined) byProperty.set(object, (sites = new Map()));
  sites.set(key, site);
  return site;
}
