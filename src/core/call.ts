// The pooled record of one tracked call (the kernel's kretprobe_instance). The hot path fills its
// plain fields; handlers see it through the public `Call` interface. Arguments are kept in four
// slots plus a rest array, so that a probe never forces V8 to materialise `arguments`, and only
// for probes whose handlers read them (handler-use.ts).

import type { Call, Probe } from './types.js';
import type { CallField } from './handler-use.js';
import type { ProbeCore } from './probe.js';
import type { CountCell } from './counter.js';
import type { SiteBackend } from './site.js';
import { strengthen, weaken } from './weak.js';
import { threadId } from './thread-id.js';
import { funcOf } from './func-of.js';

/** In the pool. */
export const FREE = 0;
/** On the stack: a synchronous call that has not returned yet. */
export const ACTIVE = 1;
/** Returned a promise, thenable or generator that has not settled or completed yet. */
export const PENDING = 2;
/** Still in flight when its probe's grace period ended; its onReturn never runs. */
export const GONE = 3;
/** A probe's scratch record: a call that keeps nothing from entry to return. */
export const LIGHT = 4;
/**
 * A probe's quiet record: its onReturn reads nothing from the call at all, so a returned promise
 * need not be waited for (reading `then` on every returned object is a megamorphic lookup).
 */
export const BLIND = 5;
export type RecordState = typeof FREE | typeof ACTIVE | typeof PENDING | typeof GONE | typeof LIGHT | typeof BLIND;

/** leaseStart of a deferred call no lease sweep has seen yet. A double, so the field stays one. */
export const UNSTAMPED = -0.5;

/** `argc` of a record whose slots were not filled (no handler reads them). */
export const NOT_CAPTURED = -1;

export class CallRecord implements Call {
  readonly core: ProbeCore;
  /**
   * The call's return as a load site's sync return calls it (`$jpF.exit(v)`): its probe's own
   * (ProbeCore.exit), so that the site's call names one function a probe (docs/load-sites.md).
   */
  readonly exit: (this: CallRecord, v: unknown) => unknown;
  readonly threadId: number;
  state: RecordState = FREE;
  /**
   * A counting probe's cell for this record's hits (counter.ts); null: its handler runs. Beside
   * `core` and `state`, the only other fields a counted hit reads: one cache line of the record.
   */
  cell: CountCell | null = null;
  /** false once the lease ran out: references below are WeakBoxes. */
  leased = true;
  /** A light probe's onReturn is running on this (scratch) record: entry data was not kept. */
  lightReturn = false;
  self: unknown = undefined;
  nt: Function | undefined = undefined;
  argc = NOT_CAPTURED;
  a0: unknown = undefined;
  a1: unknown = undefined;
  a2: unknown = undefined;
  a3: unknown = undefined;
  rest: unknown[] | undefined = undefined;
  argsCache: unknown[] | undefined = undefined;
  dataSlot: unknown = undefined;
  /** The site the call entered, for a probe whose handlers ask (ProbeCore.locates). */
  where: SiteBackend | null = null;
  /** At a line site: what gives the local variables in scope there. */
  localsFn: (() => object) | null = null;
  localsCache: Readonly<Record<string, unknown>> | undefined = undefined;
  /** The call's outcome; handlers read it through the getters below. */
  rv: unknown = undefined;
  err: unknown = undefined;
  threw = false;
  async = false;
  /** ms at entry, NaN when the probe is untimed. */
  t0 = NaN;
  elapsedNs = NaN;
  /**
   * ms when the call's lease started: its entry time if timed, else the first lease sweep that
   * saw it (UNSTAMPED until then). No clock is read on the hot path for leases.
   */
  leaseStart = UNSTAMPED;
  nextFree: CallRecord | null = null;
  /** The next record of the same call, for the next probe on the site. */
  nextInFrame: CallRecord | null = null;

  constructor(core: ProbeCore) {
    this.core = core;
    this.exit = core.exit;
    this.threadId = threadId();
  }

  /** A read the handler-use analysis did not foresee: `true` when this call lacks the field. */
  #unseen(field: CallField): boolean {
    if (this.lightReturn || this.state === BLIND || (this.argc === NOT_CAPTURED && field !== 'data' && field !== 'elapsed')) {
      this.core.widen(field);
      return true;
    }
    return false;
  }

  get probe(): Probe {
    return this.core.handle;
  }

  get this(): unknown {
    if (this.#unseen('this')) return undefined;
    return this.leased ? this.self : strengthen(this.self);
  }

  get newTarget(): Function | undefined {
    if (this.#unseen('newTarget')) return undefined;
    return this.nt;
  }

  get args(): unknown[] {
    if (this.#unseen('args')) return [];
    // Past the lease, a cache would hold the arguments strongly again.
    if (!this.leased) return this.collectArgs();
    let a = this.argsCache;
    if (a === undefined) a = this.argsCache = this.collectArgs();
    return a;
  }

  /** The local variables in scope at a line site (an empty object elsewhere). */
  get locals(): Readonly<Record<string, unknown>> {
    let l = this.localsCache;
    if (l === undefined) {
      const f = this.localsFn;
      l = this.localsCache = f === null ? {} : (f() as Record<string, unknown>);
    }
    return l;
  }

  get data(): unknown {
    if (this.lightReturn || this.state === BLIND) this.#unseen('data');
    return this.dataSlot;
  }

  get retval(): unknown {
    if (this.state === BLIND) this.core.widen('retval');
    return this.rv;
  }

  get error(): unknown {
    if (this.state === BLIND) this.core.widen('error');
    return this.err;
  }

  set data(v: unknown) {
    this.dataSlot = v;
  }

  /** The call's site: kept at entry when the probe's handlers read it, else the probe's only site. */
  #site(field: CallField): SiteBackend | undefined {
    const w = this.where;
    if (w !== null) return w;
    const sites = this.core.sites;
    if (sites.length === 1) return sites[0].backend;
    this.core.widen(field);
    return undefined;
  }

  get target(): string {
    return this.#site('target')?.target ?? this.core.target;
  }

  get func(): string {
    const w = this.#site('func');
    return w === undefined ? funcOf(this.core.target) : (w.func ?? funcOf(w.target));
  }

  get elapsed(): number {
    const ns = this.elapsedNs;
    if (ns !== ns && !this.core.timed && this.core.onReturn !== null) this.core.widen('elapsed');
    return ns;
  }

  collectArgs(): unknown[] {
    const n = this.argc;
    // Stores by index, no push, for..of or map: a handler reads `args` long after the program may have replaced them.
    const out: unknown[] = [];
    if (n > 0) out[0] = this.a0;
    if (n > 1) out[1] = this.a1;
    if (n > 2) out[2] = this.a2;
    if (n > 3) out[3] = this.a3;
    const rest = this.rest;
    if (rest !== undefined) for (let i = 0; i < rest.length; i++) out[out.length] = rest[i];
    if (!this.leased) for (let i = 0; i < out.length; i++) out[i] = strengthen(out[i]);
    return out;
  }

  clearSlots(): void {
    this.self = undefined;
    this.a0 = this.a1 = this.a2 = this.a3 = undefined;
    this.argc = NOT_CAPTURED;
    if (this.rest !== undefined) this.rest = undefined;
    if (this.argsCache !== undefined) this.argsCache = undefined;
    if (this.nt !== undefined) this.nt = undefined;
  }

  /** The rarely set fields, back to their defaults. */
  reset(): void {
    this.threw = false;
    this.err = undefined;
    this.async = false;
    this.leased = true;
  }

  /** Drop everything the call holds. */
  clear(): void {
    this.clearSlots();
    this.dataSlot = undefined;
    this.rv = undefined;
    this.err = undefined;
    this.nextInFrame = null;
  }

  downgrade(): void {
    this.leased = false;
    this.self = weaken(this.self);
    this.a0 = weaken(this.a0);
    this.a1 = weaken(this.a1);
    this.a2 = weaken(this.a2);
    this.a3 = weaken(this.a3);
    if (this.rest !== undefined) this.rest = this.rest.map(weaken);
    this.argsCache = undefined;
  }
}
