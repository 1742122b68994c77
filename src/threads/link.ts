// The one way jsprobe's threads talk: each worker thread writes events into a ring of its own
// (ring.ts), which the main thread drains, and control goes over a BroadcastChannel named per
// process and purpose. A worker says hello with its ring; the main thread asks every worker
// something with a numbered request and waits, bounded by a timeout, for each to answer (a grace
// period across threads); a worker that ends is not waited for. `threads: 'all'` (all.ts) and the
// traced program's relay (program/relay.ts) are two purposes over this one mechanism.

import { BroadcastChannel, getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';
import { now } from '../core/clock.js';
import { clearTimeoutSafe, hasKey, mapForEach, noProto, ReflectApply, SafeMap, SafeSet, setTimeoutSafe } from '../core/primordials.js';
import { Ring } from './ring.js';
import { onWorkerExit } from './worker-exit.js';

/** What a link's channel carries besides the purpose's own messages. `parent`: the threadId of the thread that started it. */
type LinkControl = { hello: number; ring: SharedArrayBuffer; parent: number } | { answer: number; tid: number };

/**
 * A worker's parent, in the environment data its children inherit: a worker started by a worker ends
 * with it (terminate() included), and only the main thread's own children are seen to end. The
 * value is [threadId, its parent's]: a thread with two links (two of jsprobe's bundles) finds its
 * own there, a new worker its parent's.
 */
const PARENT_KEY = 'jsprobe:parent';
// As loaded: a worker's link is made after the program's first line.
const getParent = getEnvironmentData;
const setParent = setEnvironmentData;

/** This thread's parent's threadId (0: the main thread), noted for the workers it starts. */
function parentThread(): number {
  const noted = getParent(PARENT_KEY) as [number, number] | undefined;
  let parent = 0;
  if (noted !== undefined && typeof noted[0] === 'number' && typeof noted[1] === 'number') parent = noted[0] === threadId ? noted[1] : noted[0];
  setParent(PARENT_KEY, [threadId, parent]);
  return parent;
}

/**
 * Each message a BroadcastChannel receives becomes a MessageEvent, and Node (>= 22) builds its first
 * one by loading its bundled undici: 40-90 ms and ~13 MB in every traced process, and, loaded once
 * the program runs, undici's loading calls JSON.stringify on an options object, which runs a
 * Object.prototype.toJSON the program has set (one that returned undefined crashed the process).
 * The channel's handle is a MessagePort, whose own 'message' listeners get the data itself, with
 * no event built: `listen` moves the channel's listener to that port. It relies on the shape of
 * Node's BroadcastChannel (the same from 20 to 26: a kHandle port, a kOnMessage listener on it);
 * when that shape is not there, the channel's onmessage is used, with MessageEvent loaded now,
 * while jsprobe loads and before the program's code runs.
 */
function listen(channel: BroadcastChannel, onData: (data: unknown) => void): () => void {
  const symbols = Object.getOwnPropertySymbols(channel);
  const handleKey = symbols.find((s) => s.description === 'kHandle');
  const listenerKey = symbols.find((s) => s.description === 'kOnMessage');
  const record = channel as unknown as Record<symbol, unknown>;
  const port = handleKey === undefined ? undefined : record[handleKey] as { on?: unknown; off?: unknown } | undefined;
  const own = listenerKey === undefined ? undefined : record[listenerKey];
  if (typeof port?.on === 'function' && typeof port.off === 'function' && typeof own === 'function') {
    const on = port.on as (type: string, fn: (data: unknown) => void) => void;
    const off = port.off as (type: string, fn: unknown, options?: object) => void;
    const count = (port as { listenerCount?: unknown }).listenerCount;
    // Reflect.apply as loaded, not `call`: the last is at exit, when the program may have replaced Function.prototype.call.
    // Node's port.on() adds a listener with options of a plain object, read through Object.prototype:
    // where the program has put a `capture` there, the channel's listener went in as a capturing
    // one, which only a capturing removal takes off; left on, it builds a MessageEvent, which
    // throws on a `source` there (and kills the program). Both removals, then.
    const offBoth = (fn: unknown): void => {
      ReflectApply(off, port, ['message', fn]);
      ReflectApply(off, port, ['message', fn, noProto({ capture: true })]);
    };
    offBoth(own);
    // A `once` there makes jsprobe's a one-shot listener too: it puts itself back when it has gone.
    const listener = (data: unknown): void => {
      if (typeof count === 'function' && ReflectApply(count, port, ['message']) === 0) ReflectApply(on, port, ['message', listener]);
      onData(data);
    };
    ReflectApply(on, port, ['message', listener]);
    return () => offBoth(listener);
  }
  void Reflect.get(globalThis, 'MessageEvent');
  channel.onmessage = (e: unknown) => onData((e as { data?: unknown }).data);
  return () => {};
}

const channelName = (purpose: string): string => `jsprobe:${purpose}:${process.pid}`;

function isControl(m: unknown): m is LinkControl {
  return typeof m === 'object' && m !== null && ((hasKey(m, 'hello') && hasKey(m, 'ring')) || (hasKey(m, 'answer') && hasKey(m, 'tid')));
}

export interface MainLinkEvents {
  /** A worker said hello: its ring is readable from now on. */
  hello?(tid: number, ring: Ring): void;
  /** A worker this thread started has ended: read its ring a last time (it is forgotten after). */
  ended?(tid: number, ring: Ring): void;
}

/** The main thread's side: every worker's ring, requests to all of them, and their answers. */
export class MainLink<Down> {
  readonly #channel: BroadcastChannel;
  readonly #unlisten: () => void;
  // Of Map's and Set's methods and iterators as they were at load: the exit uses them all.
  readonly #rings: Map<number, Ring> = new SafeMap<number, Ring>();
  readonly #parents: Map<number, number> = new SafeMap<number, number>();
  /** Outstanding requests: who has answered each. */
  readonly #answers: Map<number, Set<number>> = new SafeMap<number, Set<number>>();
  readonly #waiters: Set<() => void> = new SafeSet<() => void>();
  #seq = 0;

  constructor(purpose: string, private readonly events: MainLinkEvents = {}) {
    this.#channel = new BroadcastChannel(channelName(purpose));
    this.#unlisten = listen(this.#channel, (m) => {
      // The purpose's own messages go from the main thread to the workers only.
      if (!isControl(m)) return;
      if (hasKey(m, 'hello')) {
        const ring = new Ring(m.ring);
        this.#rings.set(m.hello, ring);
        this.#parents.set(m.hello, m.parent);
        this.events.hello?.(m.hello, ring);
      } else this.answered(m.answer, m.tid);
    });
    // After the listener, which refs the channel: it must never keep the program alive.
    this.#channel.unref();
    // A worker this thread started that has ended, terminate() included, is not waited for, nor
    // are the workers it started, which ended with it: a pool terminated at its end had each of
    // its workers' own (a tsx worker's esbuild thread) waited for, and named as "did not answer".
    onWorkerExit((tid) => this.#ended(tid));
  }

  #ended(tid: number): void {
    const ring = this.#rings.get(tid);
    if (ring !== undefined) {
      this.events.ended?.(tid, ring);
      this.forget(tid);
    }
    // Keys first: #ended() deletes from the map it would be iterating.
    const children: number[] = [];
    // mapForEach, not for-of: a destructured entry goes through Array's iterator, the program's to replace.
    mapForEach(this.#parents, (parent, child) => {
      if (parent === tid) children[children.length] = child;
    });
    this.#parents.delete(tid);
    for (let i = 0; i < children.length; i++) this.#ended(children[i]);
  }

  /** The workers that said hello and have not ended, with their rings. */
  get rings(): ReadonlyMap<number, Ring> {
    return this.#rings;
  }

  post(m: Down): void {
    this.#channel.postMessage(m);
  }

  /**
   * Send a request (built with its number) to every worker known now, or to those of `only` that are
   * alive (the request names them: the others do not answer); returns the number and who was asked.
   */
  request(make: (seq: number) => Down, only?: readonly number[]): { seq: number; asked: number[] } {
    const seq = ++this.#seq;
    this.#answers.set(seq, new SafeSet());
    this.post(make(seq));
    if (only === undefined) return { seq, asked: [...this.#rings.keys()] };
    const asked: number[] = [];
    for (let i = 0; i < only.length; i++) if (this.#rings.has(only[i])) asked[asked.length] = only[i];
    return { seq, asked };
  }

  /** Worker `tid` and the workers it started, at any depth: those that end when it is terminated. */
  family(tid: number): number[] {
    const out = [tid];
    for (let i = 0; i < out.length; i++) {
      mapForEach(this.#parents, (parent, child) => {
        if (parent === out[i]) out[out.length] = child;
      });
    }
    return out;
  }

  /** Worker `tid` answered request `seq` (over the channel, or through its ring). */
  answered(seq: number, tid: number): void {
    this.#answers.get(seq)?.add(tid);
    this.#wake();
  }

  /** The worker will say nothing more (it ended, or said its last): stop waiting for it. */
  forget(tid: number): void {
    if (!this.#rings.delete(tid)) return;
    this.#wake();
  }

  /** Of `asked`, the workers still alive that have not answered `seq`. */
  pending(seq: number, asked: readonly number[]): number[] {
    const got = this.#answers.get(seq);
    // A loop, not filter(): this runs at exit, when the program may have replaced Array's methods.
    const out: number[] = [];
    for (let i = 0; i < asked.length; i++) if (got?.has(asked[i]) !== true && this.#rings.has(asked[i])) out[out.length] = asked[i];
    return out;
  }

  /**
   * Wait up to `timeoutMs` for every worker asked to answer. `late` hears of those that did not
   * before the wait resolves (a warning emitted then is seen by whoever awaited).
   */
  wait(seq: number, asked: readonly number[], timeoutMs: number, late: (tids: number[]) => void): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeoutSafe(timer);
        this.#waiters.delete(check);
        const left = this.pending(seq, asked);
        this.#answers.delete(seq);
        if (left.length > 0) late(left);
        resolve();
      };
      const check = (): void => {
        if (this.pending(seq, asked).length === 0) finish();
      };
      const timer = setTimeoutSafe(finish, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /**
   * wait(), blocking: for the main thread's 'exit' handler, when no message can arrive. `poll`
   * reads the rings (where answers then come) every couple of milliseconds.
   */
  waitSync(seq: number, asked: readonly number[], timeoutMs: number, poll: () => void): number[] {
    const until = now() + timeoutMs;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    poll();
    while (this.pending(seq, asked).length > 0 && now() < until) {
      Atomics.wait(sleep, 0, 0, 2);
      poll();
    }
    const late = this.pending(seq, asked);
    this.#answers.delete(seq);
    return late;
  }

  close(): void {
    this.#unlisten();
    this.#channel.close();
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }
}

/** A worker thread's side: its ring, the main thread's messages, and its answers. */
export class WorkerLink<Down> {
  readonly ring: Ring;
  readonly #channel: BroadcastChannel;
  readonly #unlisten: () => void;

  constructor(purpose: string, ringBytes: number, onMessage: (m: Down) => void) {
    this.ring = Ring.create(ringBytes);
    this.#channel = new BroadcastChannel(channelName(purpose));
    this.#unlisten = listen(this.#channel, (m) => {
      if (!isControl(m)) onMessage(m as Down);
    });
    this.#channel.unref();
    this.#channel.postMessage({ hello: threadId, ring: this.ring.sab, parent: parentThread() } satisfies LinkControl);
  }

  /** Answer request `seq` over the channel (answers that carry data go through the ring instead). */
  answer(seq: number): void {
    this.#channel.postMessage({ answer: seq, tid: threadId } satisfies LinkControl);
  }

  close(): void {
    this.#unlisten();
    this.#channel.close();
  }
}
