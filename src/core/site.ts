// Core's side of a probe site: the snapshot that a site's code reads on every call, and the
// interface every kind of site (wrap, load, live, breakpoint) implements to plug into core.

import type { ProbeCore } from './probe.js';
import { BLIND, CallRecord, LIGHT } from './call.js';
import { snapshotChanging } from './count-mode.js';
import { UNASKED } from './counter.js';
import type { SiteKind } from './types.js';
import { ArrayPrototypeSlice, definedBy, defineOwn, ObjectHasOwn } from './primordials.js';

/**
 * The armed probes of a site, replaced (never changed) on every registration change: the RCU
 * pattern of docs/design.md ("An RCU read side"). A call reads it once at entry, so adding or removing a probe never makes
 * another probe see half a call. What the hot path needs to decide is worked out here, once.
 */
export class Snapshot {
  readonly probes: ProbeCore[];
  /** Some probe reads `elapsed`: read the clock once at entry. */
  readonly timed: boolean;
  /** The site's function is async or a generator: its calls are deferred, keep their arguments. */
  readonly deferred: boolean;
  /** The site itself, for handlers that ask which function a call is in (Call.target). */
  readonly where: SiteBackend;
  /** The one probe here, when it needs no record for a call (see ProbeCore.light). */
  readonly light: ProbeCore | null;
  /**
   * The records the light probe's calls get (LIGHT and BLIND): the probe's own, or this site's
   * when its handlers read which function a call is in. They hold nothing of a call between its
   * entry and its return, so nested and recursive calls can share them.
   */
  readonly scratch: CallRecord | null;
  readonly quiet: CallRecord | null;
  /**
   * The frame to return at entry without further ado: the one probe here is light, has no
   * onEntry, and has an onReturn. Load sites test this before calling into dispatch.
   */
  readonly quick: CallRecord | null;
  /**
   * The one probe here is light, entry-only and counts (ProbeCore.counter): the record whose cell
   * a hit adds 1 to. A counting return probe's cell is in its frame, `quiet`.
   */
  readonly entryCount: CallRecord | null;
  /**
   * The record that calls counted in place by the site's code are credited to (dispatch's
   * creditCalls): `entryCount`, or where the one probe here is a blind return-only count
   * (ProbeCore.countsReturns) of a sync call, its frame `quiet`, whose cell a return adds 1 to
   * (a module rewritten for counting alone counts its calls as they end). Null: nobody's.
   */
  readonly counted: CallRecord | null;

  constructor(probes: readonly ProbeCore[], deferred: boolean, where: SiteBackend) {
    // Not frozen: V8 reads a frozen array through the generic keyed-load IC, ~5 ns a hit.
    // Copied by index, not slice() and some(): a site's probes change (a -p detach, a module loaded
    // later) long after the program may have replaced Array's methods.
    this.probes = ArrayPrototypeSlice(probes);
    let timed = false;
    for (let i = 0; i < probes.length; i++) if (probes[i].timed) timed = true;
    this.timed = timed;
    this.deferred = deferred;
    this.where = where;
    const one = probes.length === 1 ? probes[0] : null;
    this.light = one !== null && (one.onReturn === null || (one.light && !deferred)) ? one : null;
    const l = this.light;
    this.scratch = l === null ? null : l.locates ? siteRecord(l, LIGHT, where) : l.scratch;
    this.quiet = l === null ? null : l.locates ? siteRecord(l, BLIND, where) : l.quiet;
    this.quick = l !== null && l.onEntry === null && l.onReturn !== null ? (l.blind ? this.quiet : this.scratch) : null;
    this.entryCount = l !== null && l.countsEntries ? countIn(this.scratch!) : null;
    if (l !== null && l.counter !== null && l.onReturn !== null && l.blind) countIn(this.quiet!);
    this.counted = this.entryCount ?? (l !== null && l.countsReturns && !deferred ? this.quiet : null);
  }
}

/** A record a counting probe's hits count through: its cell is asked for at the first hit. */
function countIn(c: CallRecord): CallRecord {
  if (c.cell === null) c.cell = UNASKED;
  return c;
}

function siteRecord(p: ProbeCore, state: typeof LIGHT | typeof BLIND, where: SiteBackend): CallRecord {
  const c = new CallRecord(p);
  c.state = state;
  c.where = where;
  return c;
}

/** What a kind of site does for core. */
export interface SiteBackend {
  readonly kind: SiteKind;
  /** Printable target, e.g. `node:fs#readFile`. */
  readonly target: string;
  /** The function's qualified name, when `target` does not end with it after a `:` or `#`. */
  readonly func?: string;
  /**
   * Some probe here is armed (true) or none is (false). A site may take its code out while
   * nothing is armed, so that a disarmed probe costs nothing at all.
   */
  setLive?(live: boolean): void;
  /** The last probe left: put the code back as it was. Returns a note when it could not. */
  detach(): string | undefined;
  /**
   * The site's snapshot is about to change: credit the calls its code counted in place under the
   * one it has (counting mode, count-mode.ts) to that one, while it is still the one they were for.
   */
  credit?(): void;
}

const OPTIONAL = ['func', 'setLive', 'credit'] as const;

export interface SiteOptions {
  /** Calls of the site's function are async functions or generators. */
  deferred?: boolean;
  /** The slot array the site's code reads, and this site's index in it (load sites share one per module). */
  slots?: (Snapshot | null)[];
  index?: number;
}

export class ProbeSite {
  readonly probes: ProbeCore[] = [];
  readonly backend: SiteBackend;
  /** Calls of this site's function are async or generators. */
  readonly deferred: boolean;
  /** Where the site's code reads its snapshot: `slots[index]`. */
  readonly slots: (Snapshot | null)[];
  readonly index: number;
  note: string | undefined;
  /** What the site says of the returns it reports: list() gives it to a probe that has onReturn alone. */
  returnNote: string | undefined = undefined;

  constructor(backend: SiteBackend, given: SiteOptions = {}) {
    // Every optional field an own property, so that reading one a backend left out (`func` at a
    // hit, `credit` at a change) never reaches a getter the program put on Object.prototype; and
    // the options' own fields only (test/safety/pollute.test.ts), read without a copy: a module's
    // load makes a site for each of its functions.
    const own = <K extends keyof SiteOptions>(k: K): SiteOptions[K] => (ObjectHasOwn(given, k) ? given[k] : undefined);
    for (let i = 0; i < OPTIONAL.length; i++) {
      if (!definedBy(backend, OPTIONAL[i])) defineOwn(backend, OPTIONAL[i], { value: undefined, writable: true });
    }
    this.backend = backend;
    this.deferred = own('deferred') === true;
    this.slots = own('slots') ?? [null];
    this.index = own('index') ?? 0;
  }

  /** null: nothing armed here; the site's code then calls straight through. */
  get snapshot(): Snapshot | null {
    return this.slots[this.index];
  }

  set snapshot(s: Snapshot | null) {
    this.backend.credit?.();
    snapshotChanging(this.slots[this.index], s);
    this.slots[this.index] = s;
  }
}
