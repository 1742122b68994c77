// The channel thread of `jsprobe -p` (bundled as build/attach-channel.cjs; remote.ts starts it in
// the target). It owns the runtime's end of the private channel: it connects OUT to the command's
// Unix socket, so nothing in the target listens. It reads the command's requests and runs them on
// the main thread through an inspector session connected to it, calling the hidden global of
// remote.ts: V8 runs protocol messages as interrupts, even in a busy loop, where the main thread's
// own event loop never turns. It drains the main thread's ring into the socket (a slow command
// lets the ring fill, and the main thread drops events and counts them, never waiting), sets up the
// target's worker threads through NodeWorker, and relays their rings (program/relay.ts).

import { rmdirSync, unlinkSync } from 'node:fs';
import { Session } from 'node:inspector';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { hasKey } from '../core/primordials.js';
import { MainRelay } from '../program/relay.js';
import type { MapData } from '../agg/maps.js';
import {
  encodeMessage, SNAPSHOT_SPACING, type AttachOptions, type AttachResult, type ChannelAttachResult, type ChannelRequest, type Message,
} from '../program/messages.js';
import { programThreadId, workerName } from '../threads/own-threads.js';
import { Ring } from '../threads/ring.js';
import { DISCONNECTED, ENDING, LATER, LATER_WAIT_MS, WRITTEN, type ChannelData, type MainRequest } from './channel-data.js';

const data = workerData as ChannelData;
const ring = new Ring(data.ring);
const state = new Int32Array(data.state);
const DRAIN_MS = 20;
/** Bytes the socket may hold unsent before the ring is left to fill (and drop) instead. */
const SOCKET_HIGH = 1 << 20;
/**
 * How long a worker may take to answer jsprobe's first message (is it up: WORKER_UP), which a worker that
 * runs JavaScript answers as an interrupt even when busy in a loop: one that does not is blocked
 * in a synchronous call (a sync child process, a read of a pipe), or still starting on a machine
 * far busier than this allows. It is named and not traced.
 */
const WORKER_ANSWER_MS = 10_000;
/**
 * How long a worker that has answered may take to load the runtime and register its probes
 * (compile and parse work, seconds on a loaded machine: 3 s was too short for two workers at a load
 * of 21), before it is named and given up on. The command says meanwhile what it waits for.
 */
const WORKER_SETUP_MS = 60_000;
/** How long a worker's detach may take: within the command's own bound on the whole detach (10 s). */
const WORKER_DETACH_MS = 5000;
/** How long to wait for live patches V8 refused for now to land or fall back before "Attached". */
const SETTLE_MS = 5000;
/** How often profile:hz:N's slices are looked at on the main thread, which may be busy (program/profile.ts). */
const PROFILE_TICK_MS = 1000;

const session = new Session();
session.connectToMainThread();

function post<T>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (e: Error | null, r?: unknown) => (e ? reject(e) : resolve(r as T))));
}

/** Run a request on the main thread, as an interrupt if it is busy. */
async function onMain<T>(request: MainRequest): Promise<T> {
  const expression = `globalThis[${JSON.stringify(data.name)}](${JSON.stringify(JSON.stringify(request))})`;
  const r = await post<{ result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
    'Runtime.evaluate', { expression, returnByValue: true, silent: true },
  );
  if (r.exceptionDetails !== undefined) {
    // A JsprobeError's message is written for the user: without its class's name in front.
    const line = r.exceptionDetails.exception?.description?.split('\n')[0]?.replace(/^JsprobeError: /, '');
    throw new Error(line ?? r.exceptionDetails.text);
  }
  return JSON.parse(r.result.value as string) as T;
}

/**
 * A read of the maps (detach, snapshot) that landed inside a probe's handler is made when the
 * handler returns (remote.ts): asked again until it has been, a millisecond apart, and after
 * LATER_WAIT_MS made at once (a handler still running then is one that never ends: none does).
 */
async function readMaps<T>(ask: (now: boolean) => Promise<T | typeof LATER | undefined>): Promise<T | undefined> {
  const until = performance.now() + LATER_WAIT_MS;
  let r = await ask(false);
  while (r === LATER) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    r = await ask(performance.now() >= until);
  }
  return r;
}

/**
 * The main thread paused (it says so at each pause, remote.ts): while this session is connected,
 * Node holds it paused until a resume comes from here. A resume that the main thread runs before
 * it has begun to wait is lost on it, so resumes go until one finds it no longer paused.
 */
let releasing = false;
let toRelease = false;
async function releasePause(): Promise<void> {
  toRelease = true;
  if (releasing) return;
  releasing = true;
  // A pause told of while resumes went may have come after the one that found it running: another round.
  while (toRelease) {
    toRelease = false;
    try {
      for (let i = 0; i < 100; i++) await post('Debugger.resume');
    } catch {
      // Not paused: it is running again.
    }
  }
  releasing = false;
}
parentPort?.on('message', (m: unknown) => {
  if (m !== DISCONNECTED) void releasePause();
});
// This thread ends when its work does, not when a message might still come.
parentPort?.unref();

const within = <T>(ms: number, p: Promise<T>, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

/**
 * Where Node has process.getBuiltinModule (20.16 on), what is asked of a worker never goes through
 * the inspector's command-line API (its `require`). Node builds that once a session, at the first
 * evaluate that asks for it, in its own JavaScript (installConsoleExtensions), which reads the
 * CommonJS loader's exports: that evaluate, sent as Node announced the worker, landed now and then as
 * an interrupt at the entry of the loader's module, as the worker's start loaded it (in the step
 * that sets parentPort, then the loaders), its exports still empty. It threw, the session kept a
 * command-line API without `require` for good, and the
 * runtime's `require()` failed at once ("require is not defined", which the worker's note called
 * a 60 s time-out): in about 1 run in 10 of test/attach/late-worker.test.ts (three late workers)
 * at a load of 10, on Node 20 and 24 (docs/attach.md). Before 20.16, that `require` as before.
 */
const BUILTIN = typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === 'function';
/** An expression for the runtime's exports in a worker: by its absolute path, from a require made for it. */
const WORKER_RUNTIME = BUILTIN
  ? `process.getBuiltinModule('module').createRequire(${JSON.stringify(data.bundle)})(${JSON.stringify(data.bundle)})`
  : `require(${JSON.stringify(data.bundle)})`;

/** A Runtime.evaluate's answer, as much of it as is read: a result, or the inspector's error; neither once the worker has ended. */
interface EvaluateAnswer {
  result?: { result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } };
  error?: { message: string };
}

/** What an expression threw in a worker: it ran, and failed (where the inspector's refusal says nothing of whether it ran). */
class WorkerThrew extends Error {}

/** One worker of the target, reached through the main thread's NodeWorker domain. */
class WorkerTarget {
  #id = 0;
  /** The worker has ended (NodeWorker said so). */
  ended = false;
  /** An attach was sent to it: it gets a detach too, whatever came of the attach. */
  attachSent = false;
  readonly #pending = new Map<number, (m: EvaluateAnswer) => void>();

  constructor(readonly sessionId: string, readonly name: string) {}

  /**
   * Evaluate `expression` in the worker (the inspector's command-line API only where WORKER_RUNTIME
   * needs its `require`): its value, undefined once the worker has ended; rejects with the first
   * line of what it threw (a WorkerThrew) or with the inspector's refusal, which the worker's note
   * then says. `awaitPromise`: the answer comes once the value settles, even a value that is no
   * promise: V8 answers from a promise job then, at the worker's next microtask checkpoint, and
   * until then holds that job's handler weakly; a collection meanwhile answers "Promise was
   * collected" and the value is lost. An attach's answer was, on Node 22 (2 of 49 runs of
   * late-worker.test.ts at a load of 10): the worker was set up, and named as not traced.
   */
  evaluate<T>(expression: string, awaitPromise = false): Promise<T | undefined> {
    const id = ++this.#id;
    const params = { expression, includeCommandLineAPI: !BUILTIN, awaitPromise, returnByValue: true };
    const message = JSON.stringify({ id, method: 'Runtime.evaluate', params });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m) => {
        const thrown = m.result?.exceptionDetails;
        if (m.error !== undefined) reject(new Error(`the inspector refused it: ${m.error.message}`));
        else if (thrown === undefined) resolve(m.result?.result.value as T | undefined);
        else reject(new WorkerThrew(thrown.exception?.description?.split('\n')[0] ?? thrown.text));
      });
      post('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }).catch(() => this.gone());
    });
  }

  receive(message: string): void {
    const m = JSON.parse(message) as EvaluateAnswer & { id?: number };
    if (m.id === undefined) return;
    this.#pending.get(m.id)?.(m);
    this.#pending.delete(m.id);
  }

  gone(): void {
    this.ended = true;
    for (const p of this.#pending.values()) p({});
    this.#pending.clear();
  }
}

let socket: Socket | null = null;
let relay: MainRelay | null = null;
let attached: { source: string; options: AttachOptions } | null = null;
let detached = false;
let inspectorClosed = !data.closeInspector;
const workers = new Map<string, WorkerTarget>();
const setups: Promise<string[] | undefined>[] = [];
/** While an attach waits for its workers, what to tell about them goes with its answer; later, as a line of its own. */
let attaching = false;
const workerNotes: string[] = [];
/** Of the probes the workers set up while attaching skipped, those whose reason their sessions said. */
const workerSaid: string[] = [];

function send(line: string): void {
  socket?.write(`${line}\n`);
}

const message = (m: Message): void => send(encodeMessage(m));

/** A word to the command about a worker (never silently dropped): with the attach's answer if it is waiting, else at once. */
function tell(note: string): void {
  if (attaching) workerNotes.push(note);
  else message({ t: 'err', text: `jsprobe: ${note}\n` });
}

/**
 * Move what the main thread wrote to the socket, unless the socket is backed up: then the ring
 * fills (and the main thread drops and counts). `all`: at detach, what is in the ring goes anyway.
 */
function drain(all = false): void {
  if (socket === null) return;
  if (all || socket.writableLength < SOCKET_HIGH) {
    for (const line of ring.drain()) {
      if (line.startsWith('{"t":"ending"')) ended(line);
      else send(line);
    }
  }
  let lost = ring.takeLost();
  if (relay !== null) for (const w of relay.newlyLost()) lost += w.lost;
  if (lost > 0) message({ t: 'lost', n: lost });
}

/**
 * The main thread is ending and waits (bounded): the workers' last maps, the end, then let it go,
 * with this thread's session to it disconnected first. Node counts a session made by
 * connectToMainThread() as one that holds the process at exit (as a debugger's does): if it is still
 * there when the process exits, Node prints "Waiting for the debugger to disconnect..." on the
 * target's stderr. disconnect() queues the deletion of the main thread's half as an interrupt,
 * before WRITTEN, and the main thread runs it before its wait returns (remote.ts, ending()).
 */
function ended(line: string): void {
  if (relay !== null) {
    relay.flush(500);
    for (const maps of relay.snapshots()) message({ t: 'maps', maps });
  }
  socket?.write(`${line}\n`, () => {
    session.disconnect();
    Atomics.store(state, WRITTEN, 1);
    Atomics.notify(state, WRITTEN);
  });
}

const timer = setInterval(() => drain(), DRAIN_MS);

/** How often the maps go to the command as a snapshot, for a target that dies without a word (SIGKILL, an abort). */
const SNAPSHOT_MS = 1000;
/** A snapshot larger than this (characters of JSON) is not sent: the command keeps the last that was smaller. */
const SNAPSHOT_MAX_CHARS = 4 << 20;
let lastSnapshot = '';
let snapshotting = false;

/** Send every thread's maps, if they changed since the last snapshot: the main thread's (asked as an interrupt), and the workers' last. */
async function backup(): Promise<void> {
  if (snapshotting || attached === null || detached || Atomics.load(state, ENDING) !== 0) return;
  snapshotting = true;
  try {
    const main = await readMaps((now) => onMain<MapData[] | null | typeof LATER>({ op: 'snapshot', now }));
    if (main === null || main === undefined || attached === null || detached) return;
    const maps = [main, ...(relay?.snapshots() ?? [])];
    const text = JSON.stringify(maps);
    if (text === lastSnapshot || text.length > SNAPSHOT_MAX_CHARS) return;
    lastSnapshot = text;
    message({ t: 'backup', maps });
  } catch {
    // The main thread is ending, or jsprobe detaching: the real maps come then.
  } finally {
    snapshotting = false;
  }
}
const snapshots = setInterval(() => void backup(), SNAPSHOT_MS);

function setUpWorker(sessionId: string, title: string, url: string): void {
  // This thread, and any other of jsprobe's own, is not traced; nor is a thread of Node's own (the
  // module hooks thread of module.register: on Node 20 there is one for jsprobe -c's load hooks),
  // which runs module hooks between loads, not the program, and which -c's agent leaves alone too.
  if (title.startsWith(`[worker ${threadId}]`) || / jsprobe /.test(`${title} `) || url.startsWith('node:internal/') || attached === null) return;
  const { source, options } = attached;
  const id = /^\[worker (\d+)\]/.exec(title)?.[1];
  const tid = id === undefined ? undefined : programThreadId(Number(id), data.ownThreads);
  const w = new WorkerTarget(sessionId, id === undefined ? `worker thread "${title}"` : workerName(Number(id), data.ownThreads));
  workers.set(sessionId, w);
  const args = [source, { ...options, worker: true, tid }, data.name].map((a) => JSON.stringify(a)).join(', ');
  const call = `${WORKER_RUNTIME}.attachWorker(${args})`;
  setups.push(setUp(w, call));
}

/**
 * Whether a worker runs its own code: Node sets its parentPort, then its module loaders, in one
 * synchronous step once the worker has started (lib/internal/main/worker_thread.js, from Node 20
 * to 26), and a worker is announced before it. A require() of jsprobe's bundle that came first
 * failed Node's own check that no user module had loaded (ERR_INTERNAL_ASSERTION in
 * setupUserModules) as the worker went on, and its 'error' ended the target: most workers started
 * after an attach did. No module is loaded to ask. An object, not "not null": an evaluate that
 * lands as Node loads worker_threads, at its module's entry, finds no parentPort at all there.
 */
const WORKER_UP = `((p) => typeof p === 'object' && p !== null)(${BUILTIN ? 'process.getBuiltinModule' : 'require'}('worker_threads').parentPort)`;

/**
 * 1 once the worker answers, and runs its own code (WORKER_UP, asked again every few ms until it
 * does), before `until`; undefined otherwise. Its answer is awaited (evaluate()): it comes at the
 * worker's next microtask checkpoint, after the step that sets parentPort and then the loaders,
 * though the question may land inside that step (it did, at the CommonJS loader's entry), so the
 * attach comes after the loaders are set up. So a worker busy since its start answers only once
 * it returns to its event loop (a 300 ms busy start: 344 ms, Node 20).
 */
async function untilUp(w: WorkerTarget, until: number): Promise<1 | undefined> {
  for (;;) {
    const up = await within(Math.max(0, until - Date.now()), w.evaluate<boolean>(WORKER_UP, true).catch(() => undefined), undefined);
    if (up === true) return 1;
    if (w.ended || Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Set up one worker, in steps that each show it is getting on: it answers at all (bounded: a
 * blocked worker never does), then loads the runtime and registers its probes (work it does
 * however long a loaded machine takes), then its probes are armed. Its probes' skipped list, or
 * undefined when it is not traced; then it is named, with why.
 */
async function setUp(w: WorkerTarget, call: string): Promise<string[] | undefined> {
  const answered = await untilUp(w, Date.now() + WORKER_ANSWER_MS);
  if (w.ended) return undefined;
  if (answered !== 1) {
    tell(`${w.name} did not answer within ${WORKER_ANSWER_MS / 1000} s (blocked in a synchronous call?): it is not traced`);
    return undefined;
  }
  if (attached === null) return undefined;
  w.attachSent = true;
  const r = await within(WORKER_SETUP_MS, w.evaluate<AttachResult>(call).catch((e: Error) => e), undefined);
  if (w.ended) return undefined;
  // An attach that threw, or answered with an error, attached nothing (or is another jsprobe's): no
  // detach goes to it. The inspector's refusal says nothing of that: the detach goes.
  if (r instanceof WorkerThrew || (r !== undefined && !(r instanceof Error) && hasKey(r, 'error'))) w.attachSent = false;
  if (r === undefined || r instanceof Error || hasKey(r, 'error')) {
    const error = r instanceof Error ? r.message : r?.error;
    const why = error === undefined ? `did not set up its probes within ${WORKER_SETUP_MS / 1000} s` : `could not be set up: ${error}`;
    tell(`${w.name} ${why}: it is not traced`);
    return undefined;
  }
  // As on the main thread (attach()), a patch still refused after a while does not hold up the rest.
  await within(SETTLE_MS, w.evaluate(`${WORKER_RUNTIME}.workerSettled()`, true).catch(() => undefined), undefined);
  // What its session said of a probe it skipped (a vm context of its own) is the word on it, not "matches nothing".
  if (attaching) workerSaid.push(...(r.said ?? []));
  return r.skipped;
}

session.on('NodeWorker.attachedToWorker', (m: { params: { sessionId: string; workerInfo: { title: string; url?: string } } }) => {
  setUpWorker(m.params.sessionId, m.params.workerInfo.title, m.params.workerInfo.url ?? '');
});
session.on('NodeWorker.receivedMessageFromWorker', (m: { params: { sessionId: string; message: string } }) => {
  workers.get(m.params.sessionId)?.receive(m.params.message);
});
session.on('NodeWorker.detachedFromWorker', (m: { params: { sessionId: string } }) => {
  workers.get(m.params.sessionId)?.gone();
  workers.delete(m.params.sessionId);
});

async function attach(source: string, options: AttachOptions): Promise<ChannelAttachResult> {
  await onMain({ op: 'runtime' });
  // The command went away meanwhile (killed): finish() has detached, and an attach now would stay.
  const gone = { error: 'the command went away while attaching' };
  if (detached) return gone;
  const r = await onMain<AttachResult>({ op: 'attach', source, options });
  if (hasKey(r, 'error')) return r;
  // The main thread's detach came after this attach and undid it; the workers, not set up yet, stay so.
  if (detached) return gone;
  // Before any worker is set up (a worker's relay says hello to whoever listens then), and only once
  // attached: a refused one listened on the process's link all the same, and read the rings of the
  // workers that the jsprobe tracing it set up meanwhile.
  relay ??= new MainRelay((_tid, m) => message(m), 'attach');
  attached = { source, options };
  const end = Date.now() + SETTLE_MS;
  while (!(await onMain<boolean>({ op: 'settled' })) && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
  // Node announces each worker that exists now (NodeWorker.attachedToWorker, which starts its
  // set-up here) before it answers the enable, in order on this session: no wait is needed for
  // them (checked on Node 20, 22, 24 and 26). Each set-up ends, traced or named.
  attaching = true;
  let answers: (string[] | undefined)[];
  try {
    await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    answers = await Promise.all(setups.splice(0));
  } finally {
    attaching = false;
  }
  // Probes that could never run on the sites they got (a fnret on an async function's breakpoint site) come off now.
  const main = await onMain<{ refused: string[]; notes: string[] }>({ op: 'notes' });
  const { refused } = main;
  const notes = [...main.notes, ...workerNotes.splice(0)];
  const workers = answers.filter((a): a is string[] => a !== undefined);
  // Only a program that samples stacks has slices to end: any other would be asked for nothing, a second after attaching.
  if (r.profiles === true) profileTick();
  const said = [...(r.said ?? []), ...workerSaid.splice(0)];
  return { probes: r.probes - refused.length, skipped: [...r.skipped, ...refused], said, refused, workers, notes, near: r.near };
}

/** While the main thread samples stacks (it answers true), end its slices that have run their longest, busy or not. */
function profileTick(): void {
  const t = setTimeout(() => {
    if (attached === null) return;
    onMain<boolean>({ op: 'profile' }).then((sampling) => sampling && profileTick(), () => {});
  }, PROFILE_TICK_MS);
  t.unref();
}

async function detach(): Promise<void> {
  if (detached) return;
  detached = true;
  attached = null;
  // The main thread first: its probes come off whatever the workers do.
  const maps = await readMaps((now) => onMain<unknown[] | typeof LATER>({ op: 'detach', now }));
  drain(true);
  message({ t: 'maps', maps: maps as never });
  const call = (now: boolean): string => `${WORKER_RUNTIME}.detachWorker(${now}, ${JSON.stringify(data.name)})`;
  // Only to workers that were sent an attach (one that never answered has nothing to take off).
  const sent = [...workers.values()].filter((w) => w.attachSent);
  const ask = (w: WorkerTarget) => readMaps((now) => w.evaluate<unknown[] | typeof LATER>(call(now))).catch((e: Error) => e);
  const fromWorkers = await Promise.all(sent.map((w) => within(WORKER_DETACH_MS, ask(w), undefined)));
  fromWorkers.forEach((maps, i) => {
    if (Array.isArray(maps)) message({ t: 'maps', maps: maps as never });
    else if (maps instanceof Error) tell(`${sent[i].name} could not be detached (${maps.message}): its maps are not in the output`);
    else if (!sent[i].ended) tell(`${sent[i].name} did not answer the detach within ${WORKER_DETACH_MS / 1000} s: its maps are not in the output`);
  });
  relay?.drain();
  await within(WORKER_DETACH_MS, post('NodeWorker.disable').catch(() => {}), undefined);
  relay?.close();
  relay = null;
}

let snapshotAt = -Infinity;
let snapshotCost = 0;

/**
 * `--prometheus`: the main thread's maps as they are now, and each worker's latest (at most a
 * second old); null when the last was too recent for what it cost (its round trip to the main thread).
 */
async function snapshot(): Promise<unknown[] | null> {
  if (attached === null || detached) return [];
  const t0 = performance.now();
  if (t0 - snapshotAt < SNAPSHOT_SPACING * snapshotCost) return null;
  const maps = (await readMaps((now) => onMain<unknown[] | null | typeof LATER>({ op: 'snapshot', now }))) ?? [];
  snapshotAt = t0;
  snapshotCost = performance.now() - t0;
  if (relay !== null) for (const m of relay.snapshots()) maps.push(...m);
  return maps;
}

async function closeInspector(): Promise<void> {
  if (inspectorClosed) return;
  inspectorClosed = true;
  await onMain({ op: 'close-inspector' });
}
// The inspector jsprobe opened closes as soon as this thread is up (load.ts's timer does it
// sooner in an idle target), without waiting for the command to ask: the port's window is short.
void closeInspector().catch(() => {});

async function handle(r: ChannelRequest): Promise<void> {
  try {
    let value: unknown;
    if (r.op === 'attach') value = await attach(r.source, r.options);
    else if (r.op === 'detach') value = await detach();
    else if (r.op === 'close-inspector') value = await closeInspector();
    else if (r.op === 'snapshot') value = await snapshot();
    else value = await onMain({ op: 'points', pattern: r.pattern, lines: r.lines });
    drain();
    message({ t: 'reply', id: r.id, value });
  } catch (e) {
    message({ t: 'reply', id: r.id, error: (e as Error).message });
  }
}

/**
 * This thread's inspector session to the main thread is two halves, one in each thread, and
 * session.disconnect() only starts their teardown: the main thread deletes its half when it runs
 * its inspector queue (an interrupt), and that queues the deletion of this thread's half here. A
 * thread that ends before then leaves its half to be torn down with it, and that, or the main
 * thread's half posting to a thread being torn down, aborted the target now and then (SIGABRT
 * after detach). So this thread says on its message port that it has disconnected, and ends only
 * once the main thread has answered: the main thread runs the interrupts it has pending before any
 * JavaScript, its 'message' listener included, and so does this thread before it sees the answer.
 * A main thread that never returns to its event loop never answers; this thread then waits, idle.
 */
function disconnected(): Promise<void> {
  session.disconnect();
  return new Promise((resolve) => {
    const port = parentPort!;
    const answer = (m: unknown): void => {
      if (m !== DISCONNECTED) return;
      port.off('message', answer);
      port.unref();
      resolve();
    };
    port.on('message', answer);
    // The port is unref'd (pauses to let go come on it): waiting for the answer must hold this thread.
    port.ref();
    port.postMessage(DISCONNECTED);
  });
}

/** The command is gone, or done: stop tracing if it has not, close what jsprobe opened, end this thread. */
async function finish(): Promise<void> {
  clearInterval(timer);
  clearInterval(snapshots);
  socket = null;
  // An inspector session's answers do not keep a thread alive: with the socket gone, this thread
  // would end in the middle of detaching, its requests to the main thread unanswered.
  const alive = setInterval(() => {}, 1000);
  // After the target began to end, its main thread runs nothing more of ours: it will not answer,
  // and it ends this thread as the process exits.
  const ending = Atomics.load(state, ENDING) !== 0;
  if (!ending) {
    await detach().catch(() => {});
    await closeInspector().catch(() => {});
    await onMain({ op: 'forget' }).catch(() => {});
  }
  relay?.close();
  if (ending) session.disconnect();
  else await disconnected();
  clearInterval(alive);
  // The command removes its channel; if it was killed, this thread does (the socket and its directory, nothing else).
  try {
    unlinkSync(data.socket);
    rmdirSync(dirname(data.socket));
  } catch {
    // gone already
  }
}

socket = connect(data.socket);
socket.setEncoding('utf8');
let buffered = '';
socket.on('data', (chunk: string) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    void handle(JSON.parse(line) as ChannelRequest);
  }
});
socket.on('close', () => void finish());
socket.on('error', () => {});
