// The part of `jsprobe -p PID` that runs inside the target, bundled into one CommonJS file
// (build/attach-runtime.cjs, see scripts/bundle.mjs) and loaded by its absolute path (load.ts), so
// that it never depends on the target's own module resolution. Its main-thread side: the channel
// thread (channel-thread.ts) reaches the functions here
// through a hidden global and an inspector session to this thread (they run as interrupts, even
// in a busy loop). The program's output goes into a ring the channel thread drains, never
// blocking this thread; whatever way the target ends, the maps go out first (END runs in the command, on them).
// Every entry point here may run as an interrupt, anywhere in the thread's JavaScript, Node's own
// included: it sets jsprobe's own state only, and puts what touches Node's off to a job (core/job.ts).
// Workers of the target load the same file: attachWorker() and detachWorker() run there.

import { close as closeInspector } from 'node:inspector';
import { list, setFaultHandler, unregister, type Probe } from '../index.js';
import type { MapData } from '../agg/maps.js';
import { stringifyJson } from '../agg/safe-json.js';
import { now } from '../core/clock.js';
import { inJob } from '../core/job.js';
import {
  arrayMap, defineOwn, hasKey, JSONParse, MathCeil, MathMax, ObjectHasOwn, ObjectPrototype, ownDescriptor, ownFields, ownTree, SafeMap, setTimeoutSafe,
  StringPrototypeSlice,
} from '../core/primordials.js';
import { siteNotes } from '../core/index.js';
import { compile } from '../lang/compile.js';
import { RingSender, encodeMessage, type AttachOptions, type AttachResult, type Message, type PointsReply, type Sender } from '../program/messages.js';
import { tickProfilers } from '../program/profile.js';
import { WorkerRelay } from '../program/relay.js';
import { disableRegistered, sessionOutput, start } from '../program/session.js';
import { SaidNotes } from '../program/said-notes.js';
import { setBreakpointTiming } from '../sites/breakpoint.js';
import { setPauseReleaser } from '../sites/inspector.js';
import { liveRetrying, liveSettled } from '../sites/live.js';
import { DEFAULT_MAX_PAUSE_MS, livePatchNow } from '../sites/pause-budget.js';
import { requireCache } from '../sites/require-cache.js';
import { rawTransferWhen } from '../sites/rewrite/instrument.js';
import { resolveModule } from '../targets/module-export.js';
import { parseTarget, type TargetRef } from '../targets/parse.js';
import { describePoint, listProbePoints, nearProbePoints } from '../targets/probe-points.js';
import { Ring } from '../threads/ring.js';
import { ENDING, LATER, WRITTEN, type MainRequest } from './channel-data.js';
import { answer, putOff, type PutOff } from './put-off.js';
/** Characters of map text per ring record when the target ends (the ring holds 1 MiB). */
const PART_CHARS = 128 * 1024;
/** How long the ending main thread waits for the channel thread to have written its maps. */
const END_WAIT_MS = 1000;

interface Attached {
  /** The hidden global of the channel that attached: only that channel detaches it. */
  owner: string;
  finish(): void;
  settle(said: SaidNotes): string[];
  maps(): MapData[];
  probes: Probe[];
  detached: boolean;
  /** Removes the 'exit' and 'uncaughtExceptionMonitor' listeners. */
  quiet(): void;
  // Both fields own in every session, the main thread's too: the runtime of `-p` loads into a
  // program that has run, whose Object.prototype may have a function at either name.
  /** A worker's relay (its output and snapshots go to the channel thread); undefined on the main thread. */
  relay: WorkerRelay | undefined;
  /** A snapshot's read that waits for a handler's end. */
  snapshotting: PutOff<MapData[] | null> | null;
}

let attached: Attached | null = null;
/**
 * Each detach's read of the maps (it may wait for a handler's end) until its owner has been
 * answered it. Per owner, not on the session: once the read is made the session has gone
 * (`attached` is null), and a second jsprobe may attach while the first still asks for its answer.
 */
const detaching = new SafeMap<string, PutOff<MapData[]>>();

/**
 * Called by load.ts on the main thread, in the one Runtime.evaluate of `-p`: the hidden global
 * through which the channel thread reaches this runtime, writing to the ring it drains.
 */
export function install(ringSab: SharedArrayBuffer, stateSab: SharedArrayBuffer, name: string, release: () => void): void {
  // Nothing of this thread's state is set here: a second jsprobe's channel, which is refused at its
  // attach, installs too (this file is loaded once a process, and both share it), and it must
  // leave the first one's pause releaser and the rest alone (attachMain sets them).
  const ring = new Ring(ringSab);
  const state = new Int32Array(stateSab);
  const out = new RingSender(ring);
  defineOwn(globalThis, name, {
    configurable: true,
    enumerable: false,
    value: (request: string): string => stringifyJson(onRequest(JSONParse(request) as MainRequest, out, ring, state, name, release) ?? null),
  });
}

function onRequest(r: MainRequest, out: Sender, ring: Ring, state: Int32Array, name: string, release: () => void): unknown {
  switch (r.op) {
    case 'runtime': return null;
    case 'attach': return attachMain(r.source, r.options, out, ring, state, name, release);
    case 'settled': return !liveRetrying();
    case 'notes': {
      const said = new SaidNotes();
      return { refused: attached?.settle(said) ?? [], notes: notes(said) };
    }
    case 'detach': return detachNow(name, r.now);
    case 'close-inspector': return void closeInspector();
    case 'points': return pointsOf(r.pattern, r.lines === true);
    case 'snapshot': return snapshotNow(name, r.now);
    case 'forget': return forget(name);
    case 'profile': return tickProfilers();
  }
}

/**
 * The channel thread is going: the hidden global goes, and, if this channel attached, the way to
 * its thread (the pause releaser holds its Worker). A refused channel's forget leaves the one
 * that traces alone: it cleared that one's releaser, and its retval reads, for good.
 */
function forget(name: string): void {
  delete (globalThis as Record<string, unknown>)[name];
  // An answer never taken (the channel's detach failed): made now if it waits, so that the session goes, and dropped.
  const p = detaching.get(name);
  if (p !== undefined) {
    answer(p, true);
    detaching.delete(name);
  }
  if (releaserOwner === name) {
    releaserOwner = null;
    setPauseReleaser(null);
  }
}

/** The channel whose thread is told of each pause (the one that attached last). */
let releaserOwner: string | null = null;

/** `-l PATTERN -p PID`: the probe points here; for none, why, and what is near (the command says it, as -l does). */
function pointsOf(pattern: string, lines: boolean): PointsReply {
  let points: string[];
  try {
    points = listProbePoints(pattern, { lines, loaded: loadedExports }).map(describePoint);
  } catch (e) {
    return { points: [], error: (e as Error).message, near: nearProbePoints(pattern, { loaded: loadedExports }) };
  }
  return points.length > 0 ? { points } : { points, near: nearProbePoints(pattern, { loaded: loadedExports }) };
}

/** The exports of the CommonJS module loaded here from `file`, read from its data property; undefined for one not loaded, which is not loaded to answer. */
function loadedExports(file: string): unknown {
  const m = requireCache()[file];
  const d = m === undefined ? undefined : ownDescriptor(m, 'exports');
  return d !== undefined && 'value' in d ? d.value : undefined;
}

function attachMain(source: string, given: AttachOptions, out: Sender, ring: Ring, state: Int32Array, owner: string, release: () => void): AttachResult {
  // Its own fields: the options come through JSON, into a program that may have put any name on Object.prototype.
  const options = ownFields(given);
  const busy = refusal('another jsprobe traces it now: one at a time', 'another jsprobe is detaching from it now: try again in a moment');
  if (busy !== undefined) return { error: busy, process: true };
  // Said here, not as every probe matching nothing: the sites' inspector session sees no script (sites/inspector.ts).
  if (ObjectHasOwn(ObjectPrototype, 'id')) {
    const why = "its program has put an `id` on Object.prototype, where Node's inspector session reads one: jsprobe cannot see its scripts";
    return { error: why, process: true };
  }
  // The channel thread's session holds every pause of this thread until it resumes it too: it
  // is told of each (a breakpoint site pauses at a return to read its value, see breakpoint.ts).
  setPauseReleaser(release);
  releaserOwner = owner;
  // Breakpoints are never set or removed inside an interrupt (breakpoint.ts, setBreakpointTiming).
  setBreakpointTiming(inJob);
  let program;
  try {
    // Its objects on no prototype, as the agent's (cli/agent-program.ts): this runs after the program.
    program = ownTree(compile(source, { unsafe: options.unsafe }));
  } catch (e) {
    return { error: (e as { report?: string }).report ?? String((e as Error).message ?? e) };
  }
  budgetParses(options);
  const exit = (): void => out.send({ t: 'exit' });
  const session = start(program, {
    format: options.format, ...sessionOutput(out), exit, attached: 'main',
    maxMapKeys: options.maxMapKeys, maxStrlen: options.maxStrlen, maxPauseMs: options.maxPauseMs, spans: options.spans ? out : undefined,
    later: inJob,
  });
  if (hasKey(session, 'error')) return { error: session.error };
  const onExit = (code: number): void => ending('exit', code, ring, state);
  // Before Node prints the error; not when the program handles it (the process then runs on).
  const onUncaught = (): void => {
    if (process.listenerCount('uncaughtException') === 0 && !process.hasUncaughtExceptionCaptureCallback()) ending('uncaught', 1, ring, state);
  };
  // Not from here: process.on runs an emitter's code (and 'newListener' listeners) that this may
  // have interrupted. Until the job runs, an end is caught by the channel thread's backups.
  inJob(() => {
    process.on('exit', onExit);
    process.on('uncaughtExceptionMonitor', onUncaught);
  });
  attached = {
    owner,
    finish: session.finish,
    settle: session.settle,
    maps: session.maps,
    probes: session.handles,
    detached: false,
    relay: undefined,
    snapshotting: null,
    // After the job above, which is queued first.
    quiet: () => inJob(() => {
      process.off('exit', onExit);
      process.off('uncaughtExceptionMonitor', onUncaught);
    }),
  };
  return { probes: session.probes, skipped: session.skipped, said: session.said, profiles: program.profiles.length > 0,
    near: nearSkipped(program.probes, session.skipped) };
}

/**
 * Why a session cannot be set up here now, if it cannot: one traces (`tracing`), or one has detached
 * and its maps wait for a handler's end to be read (`detachingNow`). Set up then, the new session would
 * have the old one's read, when made, turn its fault reports off; and, on a worker, where every
 * channel's session had one owner, the old one's next ask took the new one's maps for its own.
 */
function refusal(tracing: string, detachingNow: string): string | undefined {
  const s = attached;
  if (s === null) return undefined;
  if (!s.detached) return tracing;
  return detaching.get(s.owner) === undefined ? undefined : detachingNow;
}

/** Whether an export target's module is one the process has (a builtin, or in the module cache): asking it for names loads nothing. */
function loadedHere(ref: TargetRef): boolean {
  if (ref.kind !== 'export') return false;
  try {
    const file = resolveModule(ref.module, process.cwd());
    return file === ref.module || requireCache()[file] !== undefined;
  } catch {
    return false;
  }
}

/**
 * For each probe on a module's export that found no such name here, the nearest names the module
 * has, as -l -p gives them (the command says them beside "matches nothing loaded"). A file's
 * function that is not loaded is no misspelling: the command found it in the file.
 */
function nearSkipped(probes: readonly { probe: { text: string; target: string } }[], skipped: readonly string[]): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (let i = 0; i < probes.length; i++) {
    const { text, target } = probes[i].probe;
    let missed = false;
    for (let j = 0; j < skipped.length && !missed; j++) missed = skipped[j] === text;
    if (!missed || !loadedHere(parseTarget(target))) continue;
    const near = nearProbePoints(target, { loaded: loadedExports });
    if (near.length > 0) out[out.length] = [text, near];
  }
  return out;
}

/**
 * Parsing the target's files (for live and wrap sites) must not stall it past the pause budget: oxc's
 * raw route costs a full garbage collection of the heap the first time (instrument.ts), as long
 * as a heap walk, so it is taken only where a live patch would fit the budget too.
 */
function budgetParses(options: AttachOptions): void {
  const budget = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  rawTransferWhen(() => livePatchNow(budget).fits);
}

/** What is worth saying about the probes' sites (a fallback to a breakpoint site, and why). */
function notes(said: SaidNotes): string[] {
  const s = attached;
  if (s === null) return [];
  const handles = new SafeMap<number, Probe>();
  for (let i = 0; i < s.probes.length; i++) handles.set(s.probes[i].id, s.probes[i]);
  const out: string[] = [];
  for (const p of list()) {
    const h = handles.get(p.id);
    // Its own `note` only: list() leaves it out when there is nothing to say, and Object.prototype may have one.
    if (h === undefined || !hasKey(p, 'note') || p.note === undefined) continue;
    out.push(`${p.name}: ${said.say(p.name, p.note, arrayMap(siteNotes(h), (n) => n.note))}`);
  }
  return out;
}

/** The maps as they are now, for the channel thread's backups and --prometheus: null when detached. */
function snapshotNow(owner: string, now: boolean | undefined): MapData[] | null | typeof LATER {
  const s = attached;
  if (s === null || s.detached || s.owner !== owner) return null;
  const p = s.snapshotting ??= putOff<MapData[] | null>(() => s.maps(), null);
  const a = answer(p, now);
  if (a !== LATER) s.snapshotting = null;
  return a;
}

/**
 * Stop tracing (if `owner`'s channel attached): every probe off; the maps are the answer. Landed
 * inside a handler, the maps are read once it has returned, and the answer is LATER until then:
 * read in its middle, `@calls[tid] = count(); @all = count()` gave maps that did not add up.
 */
function detachNow(owner: string, now: boolean | undefined): MapData[] | typeof LATER {
  let p = detaching.get(owner);
  if (p === undefined) {
    const s = attached;
    if (s === null || s.owner !== owner || s.detached) return [];
    s.detached = true;
    s.quiet();
    s.relay?.close();
    p = putOff(() => detachRead(s), []);
    detaching.set(owner, p);
  }
  const a = answer(p, now);
  if (a !== LATER) detaching.delete(owner);
  return a;
}

function detachRead(s: Attached): MapData[] {
  try {
    s.finish();
    return s.maps();
  } finally {
    // Read: nothing of the session is needed any more (its maps, its ring), and the target keeps none
    // of it; the answer waits in `detaching` for its owner, and another jsprobe may attach.
    if (attached === s) attached = null;
    // Off now, even if the read threw (put off, a throw is dropped: the answer is then no maps; so
    // is one from here, which took the maps of every program that had called detach());
    // taken out after the answer has gone: putting a live patch's source back is a LiveEdit
    // (~6 s at 1 GB, --max-pause raised), and the command waited for it, past its 10 s, at 1 GB under load.
    disableRegistered(s.probes);
    // The session's fault reporter writes to its ring: kept, it kept the ring (1 MiB) after detach.
    // A function of the module's: a closure made here would hold this one's context, and `s` with it.
    setFaultHandler(noFaultReport);
    // The timer from a job (core/job.ts): inserted here, inside Node's own timer code, it corrupted
    // Node's timer lists (a service that spun in processTimers for good after `watch -p` detached).
    inJob(() => void setTimeoutSafe(() => void unregister(s.probes), 0));
  }
}

function noFaultReport(): void {}

/**
 * The target ends: the maps go into the ring (in pieces, each waiting for room), then
 * the end itself; this thread waits, bounded, until the channel thread has written them out.
 */
function ending(how: 'exit' | 'uncaught', code: number, ring: Ring, state: Int32Array): void {
  const s = attached;
  if (s === null || s.detached) return;
  s.detached = true;
  s.quiet();
  s.finish();
  let text: string;
  try {
    text = stringifyJson(s.maps());
  } catch {
    text = '[]';
  }
  const until = now() + END_WAIT_MS;
  const push = (m: Message): boolean => ring.pushWait(encodeMessage(m), MathMax(0, until - now()));
  const n = MathMax(1, MathCeil(text.length / PART_CHARS));
  for (let i = 0; i < n; i++) push({ t: 'part', part: { id: 0, i, n, s: StringPrototypeSlice(text, i * PART_CHARS, (i + 1) * PART_CHARS) } });
  push({ t: 'ending', how, code });
  Atomics.store(state, ENDING, 1);
  Atomics.notify(state, ENDING);
  Atomics.wait(state, WRITTEN, 0, MathMax(0, until - now()));
  runInterrupts();
}

/**
 * Runs the interrupts queued for this thread: V8 runs them at a function's entry. The channel
 * thread disconnected its session before it set WRITTEN, which queued the deletion of this thread's
 * half as an interrupt; V8 runs one inside Atomics.wait before the wait returns, but not when the
 * wait returns at once (WRITTEN was set before it began). Left queued past the 'exit' listeners,
 * Node finds the session still connected and prints "Waiting for the debugger to disconnect...".
 */
function runInterrupts(): void {}

/**
 * A worker of the target (set up by the channel thread through NodeWorker): its probes, output
 * through its relay. Answered at once; workerSettled() says when its probes are armed.
 */
export function attachWorker(source: string, given: AttachOptions, owner: string): AttachResult {
  const options = ownFields(given);
  const busy = refusal('jsprobe is already attached to this thread', 'jsprobe is still detaching from this thread');
  if (busy !== undefined) return { error: busy };
  setBreakpointTiming(inJob);
  try {
    budgetParses(options);
    const program = ownTree(compile(source, { unsafe: options.unsafe }));
    let maps: () => MapData[] = () => [];
    const relay = new WorkerRelay(() => maps(), inJob, 'attach');
    const session = start(program, {
      format: options.format, ...sessionOutput(relay), attached: 'worker', tid: options.tid,
      maxMapKeys: options.maxMapKeys, maxStrlen: options.maxStrlen, maxPauseMs: options.maxPauseMs, spans: options.spans ? relay : undefined,
      later: inJob,
    });
    if (hasKey(session, 'error')) {
      relay.close();
      return { error: session.error };
    }
    maps = session.maps;
    attached = {
      owner, finish: session.finish, settle: () => [], maps: session.maps, probes: session.handles, detached: false, quiet: () => {}, relay, snapshotting: null,
    };
    return { probes: session.probes, skipped: session.skipped, said: session.said };
  } catch (e) {
    return { error: (e as { report?: string }).report ?? String((e as Error).message ?? e) };
  }
}

/**
 * Attached means armed: resolves once a live patch that V8 refused for now has landed or fallen
 * back. A request of its own, so that the channel thread tells a worker that has not set up its
 * probes (named, as not traced) from one whose patch waits for a timer a busy worker never runs.
 */
export function workerSettled(): Promise<void> {
  return liveSettled();
}

/** The worker's maps, and its probes off, if `owner`'s channel set it up; LATER: ask again (`now`: read them at once). */
export function detachWorker(now: boolean, owner: string): MapData[] | typeof LATER {
  return detachNow(owner, now);
}
