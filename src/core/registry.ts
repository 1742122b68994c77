// Registration, serialised on one thread and published as snapshots (docs/design.md, "An RCU read side": RCU on the hot
// path, a mutex around registration). Core does not know how a target becomes a site: the
// layers below install a resolver (setTargetResolver) that returns the ProbeSite for a target.

import { ACTIVE, PENDING, UNSTAMPED, type CallRecord } from './call.js';
import { countTimedSite, now } from './clock.js';
import { creditCounts, keepCrediting } from './count-mode.js';
import { JsprobeError } from './errors.js';
import { funcOf } from './func-of.js';
import { gracePeriod, retire } from './grace.js';
import { handlerUses } from './handler-use.js';
import { fault, reportUnseenRead } from './handlers.js';
import { countKind, ProbeCore, ProbeHandle, type CountKind } from './probe.js';
import { ProbeSite, Snapshot } from './site.js';
import { threadId } from './thread-id.js';
import { checkSpec, DEFAULT_LEASE_MS, DEFAULT_MAX_ACTIVE } from './spec.js';
import {
  ArrayIsArray, ArrayPrototypeJoin, ArrayPrototypeSlice, ArrayPrototypeSort, mapForEach, ownFields, promiseAll, SafeMap, SafeSet, StringPrototypeIncludes,
} from './primordials.js';
import type { PendingCall, Probe, ProbeInfo, ProbeSpec, ProbeTarget, SiteKind, SitePreference } from './types.js';

export interface Resolution {
  /** The sites the target names now (none, for code that has not loaded yet). */
  sites: ProbeSite[];
  /** Printable target, e.g. `node:fs#readFile` or `src/db.js:Db.query`. */
  label: string;
  /** The kind of site the probe gets (or will get). */
  kind: SiteKind;
  /**
   * For targets in code that has not loaded yet: call `attach` for every matching site as
   * modules load, until the returned function is called.
   */
  watch?: (attach: (site: ProbeSite) => void, note: (message: string | undefined) => void, counts: CountKind | null) => () => void;
  /** Something the user should know about this target, shown by list(). */
  note?: string;
  /** The target is a point, not a call (a line): it has no return to probe. */
  entryOnly?: boolean;
}

export type TargetResolver = (target: ProbeTarget, preference: SitePreference, maxPauseMs?: number) => Resolution;

let resolver: TargetResolver | null = null;
/** Runs after a register()/registerAll() call has resolved all its targets: sites that batch work
 * (a live patch edits each script once) do it here, inside the call's all-or-none. */
let afterResolve: (() => void) | null = null;
let nextId = 1;
let armed = true;
/** Why register() refuses every probe from now on (sealCounting), or null while it takes them. */
let sealed: string | null = null;
/** Registered probes, retired ones excluded, in registration order. */
const probes: Map<number, ProbeCore> = new SafeMap<number, ProbeCore>();
const sites: Set<ProbeSite> = new SafeSet<ProbeSite>();

export function setTargetResolver(r: TargetResolver, flush: (() => void) | null = null): void {
  resolver = r;
  afterResolve = flush;
}

/** Make the site's snapshot match its probes' states and the global switch. */
function publish(site: ProbeSite): void {
  // Loops by index here and below (attach, detach, unregister): under -p they run long after the
  // program's first line, as do the sites a module loaded later brings, and it may have replaced Array's methods.
  const live: ProbeCore[] = [];
  if (armed) for (let i = 0; i < site.probes.length; i++) if (site.probes[i].state === 'armed') live[live.length] = site.probes[i];
  const before = site.snapshot;
  const after = live.length === 0 ? null : new Snapshot(live, site.deferred, site.backend);
  site.snapshot = after;
  const wasTimed = before !== null && before.timed;
  const isTimed = after !== null && after.timed;
  if (wasTimed !== isTimed) countTimedSite(isTimed ? 1 : -1);
  if ((before !== null) !== (after !== null)) site.backend.setLive?.(after !== null);
}

function indexIn<T>(a: readonly T[], x: T): number {
  for (let i = 0; i < a.length; i++) if (a[i] === x) return i;
  return -1;
}

function coreOf(p: Probe): ProbeCore {
  const core = ProbeHandle.core(p);
  if (core === undefined || !probes.has(core.id)) {
    throw new JsprobeError('JSPROBE_E_GONE', `probe ${String((p as { name?: unknown })?.name)} is not registered`);
  }
  return core;
}

function resolve(spec: ProbeSpec): Resolution {
  if (resolver === null) {
    throw new JsprobeError('JSPROBE_E_NO_RESOLVER', 'no site kinds are installed; import jsprobe, not jsprobe/core');
  }
  // Its own fields: an optional one left out (watch, note) read through Object.prototype would be a program's.
  return ownFields(resolver(spec.target, spec.site ?? 'auto', spec.maxPauseMs));
}

function publishAll(p: ProbeCore): void {
  for (let i = 0; i < p.sites.length; i++) publish(p.sites[i]);
}

/** Put `p` on one more site; a waiting probe is armed by its first. */
function attachSite(p: ProbeCore, site: ProbeSite): void {
  // A site has a probe or two, a probe may have 20k sites: asked of the site, this stays linear as a pattern loads.
  if (indexIn(site.probes, p) >= 0) return;
  p.sites[p.sites.length] = site;
  // The kind a probe reports is its sites' (a live patch may end as a breakpoint site). Kept
  // incrementally: a pattern can put one probe on 20k sites as a module loads.
  const kind = site.backend.kind;
  if (p.sites.length === 1) p.siteKind = kind;
  else if (!StringPrototypeIncludes(`+${p.siteKind}+`, `+${kind}+`)) p.siteKind = `${p.siteKind}+${kind}`;
  site.probes[site.probes.length] = p;
  sites.add(site);
  if (p.state === 'waiting') p.state = 'armed';
  publish(site);
}

function attach(spec: ProbeSpec, r: Resolution): ProbeCore {
  if (r.entryOnly === true && spec.onReturn !== undefined) {
    throw new JsprobeError('JSPROBE_E_INVALID_SPEC',
      `${r.label} is a line: a probe there runs when the statement is reached and has no return; use onEntry (call.locals has the variables in scope)`);
  }
  const onEntry = spec.onEntry ?? null;
  const onReturn = spec.onReturn ?? null;
  const p = new ProbeCore({
    id: nextId++,
    name: spec.name ?? r.label,
    target: r.label,
    onEntry,
    onReturn,
    entryUses: handlerUses(onEntry),
    returnUses: handlerUses(onReturn),
    maxActive: spec.maxActive ?? DEFAULT_MAX_ACTIVE,
    leaseMs: spec.leaseMs ?? DEFAULT_LEASE_MS,
    state: spec.disabled === true ? 'disabled' : r.sites.length === 0 ? 'waiting' : 'armed',
  });
  p.siteKind = r.kind;
  p.note = r.note;
  p.republish = () => publishAll(p);
  p.onUnseenRead = reportUnseenRead;
  probes.set(p.id, p);
  try {
    for (const site of r.sites) attachSite(p, site);
    if (r.watch !== undefined) p.unwatch = r.watch((site) => attachSite(p, site), (message) => { p.note = message; }, countKind(p));
  } catch (e) {
    detach(p);
    throw e;
  }
  return p;
}

/** Take `p` off its sites now: no new hits. A site's code goes back when its last probe leaves. */
function detach(p: ProbeCore): void {
  probes.delete(p.id);
  p.state = 'gone';
  p.unwatch?.();
  p.unwatch = null;
  for (let j = 0; j < p.sites.length; j++) {
    const site = p.sites[j];
    const i = indexIn(site.probes, p);
    if (i >= 0) {
      for (let k = i + 1; k < site.probes.length; k++) site.probes[k - 1] = site.probes[k];
      site.probes.length--;
    }
    publish(site);
    if (site.probes.length === 0) {
      sites.delete(site);
      site.note = site.backend.detach();
    }
  }
}

function checkSealed(): void {
  if (sealed !== null) throw new JsprobeError('JSPROBE_E_UNSUPPORTED', sealed);
}

/**
 * Seal registration when every probe registered now only counts, at entry or at a blind return
 * (ProbeCore.countsEntries, countsReturns), and there is at least one: from then on register()
 * refuses every probe, with `reason`. Code loaded after it may be rewritten for those counts
 * alone (sites/load/wanted.ts), which serves no probe of another kind and no second probe on a
 * function: sealing is what makes that safe. Null when sealed (now or before); else why not.
 */
export function sealCounting(reason: string): string | null {
  if (sealed !== null) return null;
  if (probes.size === 0) return 'no probe is registered';
  for (const p of probes.values()) {
    if (!p.countsEntries && !p.countsReturns) {
      return `probe '${p.name}' does more than count: its handler is not a callCounter(), or as onReturn it comes with an onEntry`;
    }
  }
  sealed = reason;
  keepCrediting();
  return null;
}

function checkThreads(spec: ProbeSpec): void {
  if (spec.threads === 'all') {
    // Core probes one thread; the threads layer registers a probe in each and relays the events.
    throw new JsprobeError('JSPROBE_E_UNSUPPORTED', "threads: 'all' is carried to the workers by jsprobe's register() (src/threads/all.ts), not by core's");
  }
}

/**
 * Every failure of register() is a JsprobeError: one that is not (a fault of a layer below, or a
 * bug in jsprobe) gets a code, and keeps the original as its cause.
 */
function coded(e: unknown): JsprobeError {
  if (e instanceof JsprobeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `no site could be made: ${message}`, { cause: e });
}

export function register(given: ProbeSpec): Probe {
  checkSealed();
  const spec = checkSpec(given);
  checkThreads(spec);
  let p: ProbeCore;
  try {
    p = attach(spec, resolve(spec));
  } catch (e) {
    throw coded(e);
  }
  try {
    afterResolve?.();
  } catch (e) {
    detach(p);
    retire(p);
    throw coded(e);
  }
  return p.handle;
}

/** All or none: if any spec fails, every probe registered by this call is removed again. */
export function registerAll(specs: readonly ProbeSpec[]): Probe[] {
  if (!Array.isArray(specs)) throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'registerAll takes an array of probe specs');
  checkSealed();
  const checked = specs.map((given) => {
    const s = checkSpec(given);
    checkThreads(s);
    return s;
  });
  const done: ProbeCore[] = [];
  try {
    for (const s of checked) done.push(attach(s, resolve(s)));
    afterResolve?.();
  } catch (e) {
    for (const p of done.reverse()) {
      detach(p);
      retire(p);
    }
    throw coded(e);
  }
  return done.map((p) => p.handle);
}

/** Resolves after the grace period: from then on no handler of these probes runs. */
export async function unregister(p: Probe | readonly Probe[]): Promise<void> {
  const list = ArrayIsArray(p) ? (p as readonly Probe[]) : [p as Probe];
  const cores: ProbeCore[] = [];
  for (let i = 0; i < list.length; i++) {
    const c = ProbeHandle.core(list[i]);
    if (c === undefined) throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'unregister takes probes returned by register()');
    // Unregistering twice is harmless: the second call waits for nothing.
    if (!c.unregistering) cores[cores.length] = c;
  }
  const graces: Promise<void>[] = [];
  for (let i = 0; i < cores.length; i++) {
    cores[i].unregistering = true;
    detach(cores[i]);
  }
  for (let i = 0; i < cores.length; i++) graces[i] = gracePeriod(cores[i]);
  await promiseAll(graces);
}

export function enable(p: Probe): void {
  const c = coreOf(p);
  if (c.state === 'disabled') {
    c.state = c.sites.length === 0 ? 'waiting' : 'armed';
    publishAll(c);
  }
}

/** Stop handling new hits. Calls already tracked still get their onReturn. */
export function disable(p: Probe): void {
  const c = coreOf(p);
  if (c.state === 'armed' || c.state === 'waiting') {
    c.state = 'disabled';
    publishAll(c);
  }
}

/** The global switch (debugfs kprobes/enabled): every site disarmed at once, probe states kept. */
export function setArmed(on: boolean): void {
  armed = Boolean(on);
  for (const site of sites) publish(site);
}

export function isArmed(): boolean {
  return armed;
}

export function list(): ProbeInfo[] {
  // Map's captured iterator, index stores: at a session's end the program may have replaced Map's and Array's methods.
  const out: ProbeInfo[] = [];
  mapForEach(probes, (p) => {
    out[out.length] = info(p);
  });
  return out;
}

function info(p: ProbeCore): ProbeInfo {
  creditCounts();
  const out: ProbeInfo = {
    id: p.id,
    name: p.name,
    target: p.target,
    kind: p.onEntry !== null && p.onReturn !== null ? 'entry+return' : p.onReturn !== null ? 'return' : 'entry',
    site: p.siteKind,
    state: p.state,
    hits: p.hits,
    missed: p.missed,
    faults: p.faults,
    returns: p.returns,
    skipped: p.skipped,
    pending: p.pendingCount(),
    gone: p.gone,
  };
  const notes: string[] = [];
  const noteOnce = (n: string | undefined): void => {
    if (n === undefined) return;
    for (let i = 0; i < notes.length; i++) if (notes[i] === n) return;
    notes[notes.length] = n;
  };
  noteOnce(p.note);
  for (let i = 0; i < p.sites.length; i++) {
    const site = p.sites[i];
    // An entry probe is told nothing of returns (a breakpoint site's pause for retval is a return probe's).
    const returns = p.onReturn !== null ? site.returnNote : undefined;
    noteOnce(returns === undefined ? site.note : site.note === undefined ? returns : `${site.note}; ${returns}`);
  }
  if (notes.length > 0) out.note = ArrayPrototypeJoin(notes, '; ');
  if (p.sites.length !== 1) out.sites = p.sites.length;
  return out;
}

/** Each site of `p`: its kind, what it probes and why it is what it is (list() joins the notes of a pattern's sites into one). */
export function siteNotes(p: Probe): { kind: string; target: string; note: string | undefined; site: ProbeSite }[] {
  return (ProbeHandle.core(p)?.sites ?? []).map((s) => ({ kind: s.backend.kind, target: s.backend.target, note: s.note, site: s }));
}

/** In-flight tracked calls of `p`, oldest first: the calls that are stuck right now. */
export function pending(p: Probe): PendingCall[] {
  const core = ProbeHandle.core(p);
  if (core === undefined) return [];
  creditCounts();
  const t = now();
  const out: PendingCall[] = [];
  // By index, no push, sort or slice of the live Array.prototype: the program may have replaced them.
  for (let i = 0; i < core.records.length; i++) {
    const c = core.records[i];
    if (c.state !== ACTIVE && c.state !== PENDING) continue;
    if (c.state === PENDING && c.leaseStart === UNSTAMPED) c.leaseStart = t;
    const since = c.t0 === c.t0 ? c.t0 : c.state === PENDING ? c.leaseStart : NaN;
    const args = ArrayPrototypeSlice(c.args);
    out[out.length] = { func: pendingFunc(core, c), age: t - since, threadId: c.threadId, async: c.async, leased: c.leased, this: c.this, args };
  }
  ArrayPrototypeSort(out, (a, b) => b.age - a.age);
  // Synchronous calls of a probe that keeps nothing from entry (light): on the stack now, with no
  // record to say when they entered or with what.
  const untracked = core.pendingCount() - out.length;
  const func = pendingFunc(core, null);
  for (let i = 0; i < untracked; i++) out[out.length] = { func, age: NaN, threadId: threadId(), async: false, leased: false, this: undefined, args: [] };
  return out;
}

/**
 * The function of a call in flight: its site's, kept at entry when the probe locates its calls
 * (a handler reads `func` or `target`), else the probe's only site's. Not `call.func`, which
 * would widen the probe: a listing is not a handler's read.
 */
function pendingFunc(core: ProbeCore, c: CallRecord | null): string {
  const w = c?.where ?? (core.sites.length === 1 ? core.sites[0].backend : null);
  return w === null ? funcOf(core.target) : (w.func ?? funcOf(w.target));
}

/** The counters every thread would merge, for tests and `list()`. @internal */
export function counters(p: Probe): { hits: number; missed: number; faults: number; returns: number; skipped: number; gone: number; pending: number } {
  const c = ProbeHandle.core(p);
  if (c === undefined) throw new JsprobeError('JSPROBE_E_GONE', 'not a jsprobe probe');
  creditCounts();
  return { hits: c.hits, missed: c.missed, faults: c.faults, returns: c.returns, skipped: c.skipped, gone: c.gone, pending: c.pendingCount() };
}

/**
 * A handler of `p` threw on a call that did not come through a site of this thread (an event a
 * worker relayed for `threads: 'all'`): a fault like any other, counted and reported once.
 */
export function handlerFault(p: Probe, phase: 'entry' | 'return', error: unknown): void {
  const c = ProbeHandle.core(p);
  if (c !== undefined) fault(c, phase, error);
}
