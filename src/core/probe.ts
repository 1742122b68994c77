// A registered probe: its handlers, what they read, its counters and its pool of call records
// (the kernel's kretprobe with its free_instances). Everything here is per thread: each thread
// has its own copy of core.

import { CallRecord, BLIND, LIGHT } from './call.js';
import { shared } from './dispatch.js';
import { creditCounts } from './count-mode.js';
import { counterOf, type Counter } from './counter.js';
import { reads, type CallField, type Uses } from './handler-use.js';
import type { Call, Probe, ProbeState } from './types.js';
import type { ProbeSite } from './site.js';

export type EntryHandler = (call: Call) => void | boolean;
export type ReturnHandler = (call: Call) => void;

export interface ProbeOptions {
  id: number;
  name: string;
  target: string;
  onEntry: EntryHandler | null;
  onReturn: ReturnHandler | null;
  entryUses: Uses;
  returnUses: Uses;
  maxActive: number;
  leaseMs: number;
  state: ProbeState;
}

const ENTRY_DATA: CallField[] = ['this', 'args', 'newTarget'];
/** Which function a call is in: the site, kept in the record at entry. */
const WHERE: CallField[] = ['target', 'func'];
/** What is the same at a call's return as at its settle: which probe, which function. */
const FIXED: CallField[] = ['probe', ...WHERE];

/** Where a probe that only counts counts its calls: at their entry, or as they end (ProbeCore.countsEntries, countsReturns). */
export type CountKind = 'entry' | 'return';

/** What `p` counts, if it only counts. */
export function countKind(p: ProbeCore): CountKind | null {
  return p.countsEntries ? 'entry' : p.countsReturns ? 'return' : null;
}

export class ProbeCore {
  readonly id: number;
  readonly name: string;
  readonly target: string;
  readonly handle: ProbeHandle;
  // Declared only, set once in the constructor: a class field would first be defined as
  // undefined, and V8 counts the constructor's store as a change, after which it never treats the
  // field as constant. Constant, `own.onReturn` is folded where a wrapper is inlined (dispatch.ts's
  // callReturn), and the handler inlined as the one closure it is.
  declare readonly onEntry: EntryHandler | null;
  declare readonly onReturn: ReturnHandler | null;
  readonly maxActive: number;
  readonly leaseMs: number;
  /** Handlers read `this`, `args` or `newTarget`: fill the record's slots at entry. */
  captures: boolean;
  /** onReturn reads `elapsed`: read the clock at entry and return. */
  timed: boolean;
  /** Handlers read `target` or `func`: note the site in the record at entry. */
  locates: boolean;
  /** onReturn reads `retval`: a breakpoint site pauses at a return to read it (breakpoint.ts). */
  readsRetval: boolean;
  /**
   * onReturn reads nothing kept from entry: a synchronous call needs no record (only the site,
   * when it reads which function the call is in: Snapshot gives such a probe records of the site's).
   */
  light: boolean;
  /** onReturn reads nothing from the call but which probe and function it is (see BLIND). */
  blind: boolean;
  /** The probe's one handler only counts (counter.ts): a light hit adds 1 to a cell instead of calling it. */
  readonly counter: Counter | null;
  /** An entry-only count: its one handler counts, at entry (a site it is alone on counts for it in place, core/count-mode.ts). */
  readonly countsEntries: boolean;
  /**
   * A return-only count that reads nothing of the call (blind): its one handler counts, at the
   * return. A module rewritten for counting alone counts its calls in place as they end (sites/load).
   */
  readonly countsReturns: boolean;
  state: ProbeState;
  /** The sites this probe is on: one for a wrap site, every matching function for a pattern. */
  readonly sites: ProbeSite[] = [];
  /** The kind of site it has, or will get when its target loads. */
  siteKind = '';
  /** Something to tell the user about this probe's target (list() shows it). */
  note: string | undefined = undefined;
  /** Stop hearing about new sites for this probe's target (module loads). */
  unwatch: (() => void) | null = null;
  /** unregister() was called; the grace period may still be running. */
  unregistering = false;
  /** The grace period ended: no handler of this probe runs again. */
  retired = false;
  faultReported = false;
  unseenReported = false;

  hits = 0;
  missed = 0;
  faults = 0;
  returns = 0;
  skipped = 0;
  gone = 0;
  /** Records in PENDING state, and how many of those are past their lease. */
  inflight = 0;
  downgraded = 0;
  /** The lease sweeper is watching this probe. */
  watched = false;
  /** Called when the last leased pending record settles, while a grace period waits. */
  onDrain: (() => void) | null = null;
  /** Publish a new snapshot after this probe's needs grew (see widen). */
  republish: (() => void) | null = null;
  /** Told once when a handler read a field its source did not show. */
  onUnseenRead: ((p: ProbeCore, field: CallField) => void) | null = null;

  free: CallRecord | null = null;
  records: CallRecord[] = [];
  /** The record of untracked handler runs: entry-only probes, and light probes' returns. */
  readonly scratch: CallRecord;
  /** The record a blind probe's onReturn gets. */
  readonly quiet: CallRecord;
  /** Its records' `exit` (CallRecord.exit): made for this probe, holding it. */
  readonly exit: (this: CallRecord, v: unknown) => unknown;

  constructor(o: ProbeOptions) {
    this.id = o.id;
    this.name = o.name;
    this.target = o.target;
    this.onEntry = o.onEntry;
    this.onReturn = o.onReturn;
    this.maxActive = o.maxActive;
    this.leaseMs = o.leaseMs;
    this.state = o.state;
    this.captures = reads(o.entryUses, ...ENTRY_DATA) || reads(o.returnUses, ...ENTRY_DATA);
    this.timed = o.onReturn !== null && reads(o.returnUses, 'elapsed');
    this.locates = reads(o.entryUses, ...WHERE) || reads(o.returnUses, ...WHERE);
    this.readsRetval = o.onReturn !== null && reads(o.returnUses, 'retval');
    this.light = o.onReturn === null || !reads(o.returnUses, ...ENTRY_DATA, 'data', 'elapsed');
    this.blind = o.onReturn !== null && [...o.returnUses].every((f) => FIXED.includes(f as CallField));
    this.counter = counterOf(o.onReturn === null ? o.onEntry : o.onEntry === null ? o.onReturn : null);
    this.countsEntries = this.counter !== null && o.onReturn === null;
    this.countsReturns = this.counter !== null && o.onEntry === null && this.blind;
    this.handle = new ProbeHandle(this);
    this.exit = ownExit(this);
    this.scratch = new CallRecord(this);
    this.scratch.state = LIGHT;
    this.quiet = new CallRecord(this);
    this.quiet.state = BLIND;
  }

  /**
   * A handler read `field` although its source did not show it (it reached the call through a
   * helper). That call saw undefined or NaN; from now on the field is kept.
   */
  widen(field: CallField): void {
    if (ENTRY_DATA.includes(field)) this.captures = true;
    if (field === 'elapsed' && this.onReturn !== null) this.timed = true;
    if (WHERE.includes(field)) this.locates = true;
    if (field === 'retval' && this.onReturn !== null) this.readsRetval = true;
    if (field !== 'retval' && field !== 'error') this.light = this.onReturn === null;
    this.blind = false;
    this.republish?.();
    if (!this.unseenReported) {
      this.unseenReported = true;
      this.onUnseenRead?.(this, field);
    }
  }

  /**
   * Calls in flight: every hit that has not ended yet. Counted from the counters rather than the
   * records, because a synchronous call of a light or blind probe has no record (keeping a count
   * of those would be two more stores per hit), and a process.exit() inside a call leaves it here.
   */
  pendingCount(): number {
    return this.hits - this.returns - this.gone - this.missed - this.skipped;
  }
}

/** What users hold: read-only views of a probe's counters and state. */
export class ProbeHandle implements Probe {
  readonly #core: ProbeCore;

  constructor(core: ProbeCore) {
    this.#core = core;
  }

  /** @internal */
  static core(p: unknown): ProbeCore | undefined {
    return p instanceof ProbeHandle ? p.#core : undefined;
  }

  get id(): number { return this.#core.id; }
  get name(): string { return this.#core.name; }
  get site(): string { return this.#core.siteKind; }
  get state(): ProbeState { return this.#core.state; }
  get hits(): number {
    creditCounts();
    return this.#core.hits;
  }

  get missed(): number {
    creditCounts();
    return this.#core.missed;
  }

  get faults(): number { return this.#core.faults; }

  toJSON(): object {
    const { id, name, site, state, hits, missed, faults } = this;
    return { id, name, site, state, hits, missed, faults };
  }
}


/**
 * A probe's own return for load sites (CallRecord.exit): a function made per probe, so that a
 * site's call of it names one function and V8, inlining it there, has `own` and its handler as
 * constants. One function literal: every probe's exit shares its code, only `own` differs.
 */
function ownExit(own: ProbeCore): (this: CallRecord, v: unknown) => unknown {
  const exitOwn = shared.exitOwn;
  return function exit(this: CallRecord, v: unknown): unknown {
    return exitOwn(this, v, own);
  };
}
