// The public types (docs/design.md, "The library"; docs/api.md). Code outside the project tests against these names.

export type SiteKind = 'wrap' | 'load' | 'live' | 'breakpoint';
export type SitePreference = 'auto' | SiteKind;
export type ProbeState = 'waiting' | 'armed' | 'disabled' | 'gone';

/** A property that holds a function (or a getter/setter pair): the target of a wrap site. */
export interface PropertyTarget {
  object: object;
  key: PropertyKey;
}

export type ProbeTarget = Function | PropertyTarget | string;

export interface ProbeSpec {
  target: ProbeTarget;
  name?: string;
  /** Runs at entry. Returning `false` leaves this call's return untracked. */
  onEntry?(call: Call): void | boolean;
  /** Runs once per tracked entry: on return, on throw, and when a returned promise settles. */
  onReturn?(call: Call): void;
  /** In-flight tracked calls of this probe, per thread. A call that finds none free is `missed`. */
  maxActive?: number;
  /** How long an in-flight call holds `this`/`args` strongly and delays a grace period (ms). */
  leaseMs?: number;
  /** Register disarmed; `enable(p)` arms it. */
  disabled?: boolean;
  site?: SitePreference;
  /**
   * The pause budget of a live patch, ms (default 100): a patch whose predicted stall (it walks the
   * heap) is over it is not made; 'auto' takes a wrap or breakpoint site instead, 'live' fails.
   */
  maxPauseMs?: number;
  threads?: 'current' | 'all';
}

/**
 * One call as a handler sees it. Records are pooled: a `Call` is valid only while the handler
 * that received it runs. Copy what you need into `data` or elsewhere.
 */
export interface Call {
  readonly probe: Probe;
  readonly this: unknown;
  readonly args: ArrayLike<unknown>;
  /** Per-call scratch: what `onEntry` stores here, `onReturn` reads. */
  data: unknown;
  readonly retval?: unknown;
  readonly error?: unknown;
  readonly threw: boolean;
  readonly async: boolean;
  /** ns from entry to return, throw or settle; read in `onReturn`. */
  readonly elapsed: number;
  readonly threadId: number;
  /** `new.target` of a construct call, `undefined` for a plain call. */
  readonly newTarget: Function | undefined;
  /** At a line probe: the local variables in scope at that statement, by name. */
  readonly locals: Readonly<Record<string, unknown>>;
  /**
   * The function this call is in, as a target string (`/app/src/db.js:Db.prototype.query`,
   * `node:fs#readFile`): for a pattern, which of its matches was hit.
   */
  readonly target: string;
  /** That function's name as targets qualify it (`Db.prototype.query`, `readFile`). */
  readonly func: string;
}

export interface Probe {
  readonly id: number;
  readonly name: string;
  readonly site: string;
  readonly state: ProbeState;
  readonly hits: number;
  readonly missed: number;
  readonly faults: number;
}

export interface ProbeInfo {
  id: number;
  name: string;
  target: string;
  /** 'entry', 'return' or 'entry+return': which handlers the probe has. */
  kind: 'entry' | 'return' | 'entry+return';
  site: string;
  state: ProbeState;
  hits: number;
  missed: number;
  faults: number;
  /** onReturn ran (or, for an entry-only probe, onEntry ran). */
  returns: number;
  /** onEntry returned false or threw: the call ran untracked. */
  skipped: number;
  /** Tracked calls that have not returned or settled yet. */
  pending: number;
  /** Tracked calls still in flight when the probe's grace period ended: their onReturn never runs. */
  gone: number;
  /** Why the site is what it is, when that is worth saying (a fallback, a wrapper left in place). */
  note?: string;
  /** How many functions the probe is on, when that is not exactly one (a pattern, a waiting probe). */
  sites?: number;
}

export interface PendingCall {
  /** The function the call is in: for a pattern, the one it matched (as a handler's `call.func`). */
  func: string;
  /** ms since the call entered (or, for an untimed probe, since it went async). */
  age: number;
  threadId: number;
  async: boolean;
  /** false once the lease ran out: `this`/`args` are then held weakly and may read as undefined. */
  leased: boolean;
  this: unknown;
  args: unknown[];
}

export interface ProbeFault {
  probe: Probe;
  phase: 'entry' | 'return';
  error: unknown;
}
