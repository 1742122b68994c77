// `threads: 'all'`: a probe registered in the main thread applies in every worker thread that has
// jsprobe loaded (`node --import jsprobe/register` loads it in every worker), now and later.
//
// A handler is a closure of the main thread and cannot run in another, so a worker runs a probe
// of its own on the same target whose handlers only record the call into the worker's event ring
// (ring.ts: no lock, never blocking; a full ring drops the event and counts it). The main thread
// drains the rings every few ms and runs the user's handlers there, with the worker's threadId and
// copies of the values: primitives as they were, objects as their inspected text. What a handler
// returns in onEntry does not decide tracking in a worker (the call has gone on by then).
//
// unregister() is a grace period across threads: the main thread stops running the probe's
// handlers at once, asks every worker to remove its probe, and waits for each to answer (each
// after its own grace period), bounded by a timeout; a worker that does not answer in time is
// named in a warning. enable() and disable() are carried to the workers the same way, unawaited.
//
// Control messages and events go over the threads' one link (link.ts): a BroadcastChannel named
// per process for control, and each worker's ring for events (wire.ts says how a call crosses).
// A worker also finds the probes that exist when it starts in its environment data, so that it
// has them before its program loads the code they target (and gives that code load sites, not
// a live patch made later, once the link has told it).

import { getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';
import * as core from '../core/index.js';
import { ArrayIsArray, ArrayPrototypeJoin, clearIntervalSafe, hasKey, mapForEach, promiseAll, SafeMap, setIntervalSafe } from '../core/primordials.js';
import type { Probe, ProbeSpec } from '../core/index.js';
import { drainJson, type Ring } from './ring.js';
import { MainLink, WorkerLink } from './link.js';
import { recorder, RELAYED, RelayedCall, type CallEvent, type Relayed } from './wire.js';
import { handlerUses, reads } from '../core/handler-use.js';
import { inJob } from '../core/job.js';
import { isHooked } from '../sites/load/wanted.js';

/** The link's purpose: its channel is `jsprobe:all:<pid>`. */
const PURPOSE = 'all';
/** The environment data key under which workers find the live 'all' probes as they start. */
const AT_START = 'jsprobe:all';
/** How long unregister() waits for the workers to answer. */
const GRACE_MS = Number(process.env.JSPROBE_THREAD_GRACE_MS ?? 1000);
const DRAIN_EVERY_MS = 10;
const RING_BYTES = 1 << 18;

/** What a worker needs to register its side of an 'all' probe. */
interface Desc {
  id: number;
  target: string;
  name: string;
  /** What the main thread's handlers read, so that a worker records (and measures) only that. */
  entry: Relayed[] | null;
  ret: Relayed[] | null;
  maxActive?: number;
  leaseMs?: number;
  site?: ProbeSpec['site'];
  maxPauseMs?: number;
  disabled: boolean;
}

/** The fields `handler` reads (all of them when that cannot be known), or null without a handler. */
function relayed(handler: Function | undefined): Relayed[] | null {
  if (handler === undefined) return null;
  const uses = handlerUses(handler);
  return RELAYED.filter((f) => reads(uses, f));
}

/** What the main thread tells the workers (they answer `remove` over the link). */
type Control =
  | { sync: Desc[]; full?: boolean }
  | { remove: number[]; seq: number }
  | { toggle: number; on: boolean };

// ─── Main thread ────────────────────────────────────────────────────────────────────────────────

interface Owned {
  probe: Probe;
  spec: ProbeSpec;
  desc: Desc;
  dead: boolean;
}

// Safe maps: their methods run at exit, when the program may have replaced Map's.
const owned: Map<number, Owned> = new SafeMap<number, Owned>();
let link: MainLink<Control> | null = null;

function post(m: Control): void {
  link?.post(m);
}

function liveDescs(): Desc[] {
  // A loop, not filter/map: every worker's hello runs this, in the program, which may have replaced Array's methods.
  const out: Desc[] = [];
  for (const o of owned.values()) if (!o.dead) out[out.length] = o.desc;
  return out;
}

/** What a worker started from now on finds at its start (environment data is copied then). */
function publish(): void {
  setEnvironmentData(AT_START, liveDescs());
}

function startMain(): void {
  link = new MainLink<Control>(PURPOSE, {
    // A worker started now gets every live 'all' probe, and forgets those it found at start that
    // have gone since.
    hello: () => post({ sync: liveDescs(), full: true }),
    // A worker that ended: deliver what it recorded.
    ended: (tid, ring) => drainRing(tid, ring),
  });
  // A warning emitted now would never print: what is still unreported goes straight to stderr.
  process.on('exit', () => {
    if (owned.size > 0) drain();
    if (unreported.size > 0) process.stderr.write(`${lostText()}\n`);
  });
}

let draining: ReturnType<typeof setInterval> | null = null;

/** Run the main thread's handlers for every event the workers recorded since the last drain. */
export function drain(): void {
  if (link !== null) mapForEach(link.rings as Map<number, Ring>, (ring, tid) => drainRing(tid, ring));
  if (unreported.size > 0 && core.now() - lastLostWarning >= LOST_WARNING_EVERY_MS) {
    lastLostWarning = core.now();
    process.emitWarning(lostText(), { code: 'JSPROBE_W_EVENTS_LOST' });
  }
}

function drainRing(tid: number, ring: Ring): void {
  const events = drainJson<CallEvent>(ring);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    const o = owned.get(ev.p);
    if (o === undefined || o.dead) continue;
    deliver(o, ev);
  }
  const lost = ring.takeLost();
  if (lost > 0) unreported.set(tid, (unreported.get(tid) ?? 0) + lost);
}

/** Events dropped by full rings and not reported yet, by thread: reported at most once a second, and at exit. */
const unreported: Map<number, number> = new SafeMap<number, number>();
const LOST_WARNING_EVERY_MS = 1000;
let lastLostWarning = -Infinity;

function lostText(): string {
  const parts: string[] = [];
  mapForEach(unreported, (n, tid) => {
    parts[parts.length] = `${n} of worker thread ${tid}`;
  });
  unreported.clear();
  return `jsprobe: threads: 'all' events lost (a worker's ring was full): ${ArrayPrototypeJoin(parts, ', ')}`;
}

/** A handler that throws on a worker's event is a fault of its probe, as on a call of this thread. */
function deliver(o: Owned, ev: CallEvent): void {
  const entry = ev.k === 'e';
  const handler = entry ? o.spec.onEntry : o.spec.onReturn;
  if (handler === undefined) return;
  try {
    handler(new RelayedCall(o.probe, ev));
  } catch (e) {
    core.handlerFault(o.probe, entry ? 'entry' : 'return', e);
  }
}

/** A spec for every thread: registered from the main thread, on a target each thread resolves itself. */
function checkAll(spec: ProbeSpec): asserts spec is ProbeSpec & { target: string } {
  if (!isMainThread) throw new core.JsprobeError('JSPROBE_E_UNSUPPORTED', "threads: 'all' is registered from the main thread (its handlers run there)");
  if (typeof spec.target !== 'string') {
    throw new core.JsprobeError('JSPROBE_E_INVALID_SPEC',
      "threads: 'all' needs a string target (a file:name or module#export each thread resolves for itself); a function or object belongs to one thread");
  }
}

function describe(p: Probe, spec: ProbeSpec & { target: string }): Desc {
  return {
    id: p.id,
    target: spec.target,
    name: p.name,
    entry: relayed(spec.onEntry),
    ret: relayed(spec.onReturn),
    maxActive: spec.maxActive,
    leaseMs: spec.leaseMs,
    site: spec.site,
    maxPauseMs: spec.maxPauseMs,
    disabled: spec.disabled === true,
  };
}

const local = (spec: ProbeSpec): ProbeSpec => (spec.threads === 'all' ? { ...spec, threads: 'current' } : spec);

export function register(spec: ProbeSpec): Probe {
  if (spec?.threads !== 'all') return core.register(spec);
  checkAll(spec);
  const p = core.register(local(spec));
  adopt(p, spec);
  return p;
}

export function registerAll(specs: readonly ProbeSpec[]): Probe[] {
  if (!Array.isArray(specs) || !specs.some((s) => s?.threads === 'all')) return core.registerAll(specs);
  for (const s of specs) if (s?.threads === 'all') checkAll(s);
  const probes = core.registerAll(specs.map(local));
  probes.forEach((p, i) => {
    if (specs[i].threads === 'all') adopt(p, specs[i] as ProbeSpec & { target: string });
  });
  return probes;
}

function adopt(p: Probe, spec: ProbeSpec & { target: string }): void {
  draining ??= setIntervalSafe(drain, DRAIN_EVERY_MS);
  draining.unref();
  const o: Owned = { probe: p, spec, desc: describe(p, spec), dead: false };
  owned.set(p.id, o);
  post({ sync: [o.desc] });
  publish();
}

export async function unregister(p: Probe | readonly Probe[]): Promise<void> {
  // By index: under -p this runs at the detach, when the program may have replaced Array's methods.
  const list = ArrayIsArray(p) ? (p as readonly Probe[]) : [p as Probe];
  const mine: Owned[] = [];
  for (let i = 0; i < list.length; i++) {
    const o = owned.get(list[i]?.id);
    if (o !== undefined && !o.dead) mine[mine.length] = o;
  }
  if (mine.length === 0 || link === null) return core.unregister(p);
  // What the workers recorded before now still reaches the handlers; nothing after.
  drain();
  const ids: number[] = [];
  for (let i = 0; i < mine.length; i++) {
    mine[i].dead = true;
    owned.delete(mine[i].probe.id);
    ids[i] = mine[i].probe.id;
  }
  publish();
  if (owned.size === 0 && draining !== null) {
    clearIntervalSafe(draining);
    draining = null;
  }
  const { seq, asked } = link.request((s) => ({ remove: ids, seq: s }));
  await promiseAll([core.unregister(p), answers(link, seq, asked)]);
}

/** Wait for every worker asked to answer (or to end), up to GRACE_MS; warn about those that did not. */
function answers(l: MainLink<Control>, seq: number, asked: number[]): Promise<void> {
  return l.wait(seq, asked, GRACE_MS, (late) => {
    const what = `worker thread(s) ${ArrayPrototypeJoin(late, ', ')} did not acknowledge unregister within ${GRACE_MS} ms`;
    const why = "the main thread runs none of the probe's handlers any more, but the probe may still be in place there";
    process.emitWarning(`jsprobe: ${what}; ${why}`, { code: 'JSPROBE_W_GRACE_TIMEOUT' });
  });
}

export function enable(p: Probe): void {
  core.enable(p);
  toggle(p, true);
}

export function disable(p: Probe): void {
  core.disable(p);
  toggle(p, false);
}

/** Carry enable/disable to the workers, and to those that start later. */
function toggle(p: Probe, on: boolean): void {
  const o = owned.get(p?.id);
  if (o === undefined) return;
  o.desc.disabled = !on;
  publish();
  post({ toggle: p.id, on });
}

// ─── Worker thread ──────────────────────────────────────────────────────────────────────────────

const mirrors = new Map<number, Probe>();

function startWorker(): void {
  const link: WorkerLink<Control> = new WorkerLink<Control>(PURPOSE, RING_BYTES, (m) => {
    if (hasKey(m, 'sync')) {
      for (const d of m.sync) if (!mirrors.has(d.id)) mirror(d, record);
      if (m.full === true) forgetGone(new Set(m.sync.map((d) => d.id)));
    } else if (hasKey(m, 'remove')) {
      const gone = m.remove.map((id) => mirrors.get(id)).filter((x): x is Probe => x !== undefined);
      for (const id of m.remove) mirrors.delete(id);
      void core.unregister(gone).finally(() => link.answer(m.seq));
    } else if (hasKey(m, 'toggle')) {
      const p = mirrors.get(m.toggle);
      if (p !== undefined) (m.on ? core.enable : core.disable)(p);
    }
  });
  const record = (line: string): void => {
    link.ring.push(line);
  };
  const atStart = getEnvironmentData(AT_START) as Desc[] | undefined;
  // After the module that loads jsprobe has run: `--import jsprobe/register` installs the load
  // hooks after this, and a probe on code not loaded yet waits for it through them.
  if (atStart !== undefined && atStart.length > 0) {
    // A job of jsprobe's own, not the global queueMicrotask: a preload of the program's may have replaced it.
    inJob(() => {
      if (!isHooked()) return; // then the link's answer to hello brings them, as before
      for (const d of atStart) if (!mirrors.has(d.id)) mirror(d, record);
    });
  }
}

/** Mirrors found at start whose probe was unregistered before this worker's link listened. */
function forgetGone(live: Set<number>): void {
  const gone = [...mirrors].filter(([id]) => !live.has(id));
  for (const [id] of gone) mirrors.delete(id);
  if (gone.length > 0) void core.unregister(gone.map(([, p]) => p));
}

function mirror(d: Desc, record: (line: string) => void): void {
  const spec: ProbeSpec = {
    target: d.target, name: d.name, maxActive: d.maxActive, leaseMs: d.leaseMs, site: d.site, maxPauseMs: d.maxPauseMs, disabled: d.disabled,
  };
  if (d.entry !== null) spec.onEntry = recorder(d.id, 'e', d.entry, record);
  if (d.ret !== null) spec.onReturn = recorder(d.id, 'r', d.ret, record);
  try {
    mirrors.set(d.id, core.register(spec));
  } catch (e) {
    // This thread has no such target (a module it never loads): nothing to probe here. Any other
    // failure is said: unsaid, the probe would miss this thread's calls silently.
    if (core.isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND')) return;
    process.emitWarning(`jsprobe: probe '${d.name}' is not in place in worker thread ${threadId}: ${(e as Error).message}`, { code: 'JSPROBE_W_THREAD_SITE' });
  }
}

/**
 * Called once when jsprobe loads in a thread. The main thread listens from the start, so that it
 * knows every worker (and its ring) by the time a probe is registered for all of them.
 */
export function installThreadsAll(): void {
  if (isMainThread) startMain();
  else startWorker();
}
