// How the threads of a traced process report to its main thread: each worker thread writes its
// events (printf output, warnings) into a ring of its own (ring.ts), which the main thread
// drains, and hands over its maps as a snapshot: every second, when it ends, and when the main
// thread asks at exit. The main thread's ask is a grace period across threads: it waits for every
// worker to answer, bounded by a timeout, and says which thread did not.
//
// Control goes over a BroadcastChannel named per process; data goes through the rings, which the
// main thread can read synchronously, even from its 'exit' handler, when no message can arrive.

import { BroadcastChannel, threadId } from 'node:worker_threads';
import { drainJson, Ring } from './ring.js';
import { onWorkerExit } from './worker-exit.js';

/** A message a worker's ring carries: output, a warning, its maps, an answer, its end. */
export interface ThreadMessage {
  o?: string;
  err?: string;
  maps?: unknown;
  /** A piece of a snapshot too big for one record: snapshot id, piece index, piece count, text. */
  part?: { id: number; i: number; n: number; s: string };
  /** The flush request this snapshot answers. */
  ack?: number;
  /** The thread is ending: this is its last snapshot. */
  bye?: true;
  /** The program's exit() was called in this thread. */
  exit?: true;
}

interface Hello {
  hello: number;
  ring: SharedArrayBuffer;
}

const channelName = (): string => `jsprobe:threads:${process.pid}`;

/** How long a snapshot may wait for room in a full ring before it is counted lost. */
const SNAPSHOT_WAIT_MS = 200;
const SNAPSHOT_EVERY_MS = 1000;
/** Characters of snapshot text per record: at most ~3× that in UTF-8, well inside the 1 MiB ring. */
const PART_CHARS = 128 * 1024;

/** JSON that does not throw on a BigInt (a map can hold one: `@x = arg0`). */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/** The worker side: events out through the ring, snapshots of `maps()` on a timer, at the end and when asked. */
export class WorkerRelay {
  private readonly ring = Ring.create(1 << 20);
  private readonly channel = new BroadcastChannel(channelName());
  private readonly timer: ReturnType<typeof setInterval>;
  private snapshots = 0;

  constructor(private readonly maps: () => unknown) {
    this.channel.unref();
    this.channel.onmessage = (e: unknown) => {
      const flush = (e as { data?: { flush?: number } }).data?.flush;
      if (typeof flush === 'number') this.snapshot({ ack: flush });
    };
    this.channel.postMessage({ hello: threadId, ring: this.ring.sab } satisfies Hello);
    this.timer = setInterval(() => this.snapshot({}), SNAPSHOT_EVERY_MS);
    this.timer.unref();
    process.on('exit', () => {
      clearInterval(this.timer);
      this.snapshot({ bye: true });
      this.channel.close();
    });
  }

  /** An event: dropped and counted if the ring is full, never blocking the program. */
  send(m: ThreadMessage): void {
    // Events hold strings only: no replacer to call on every key, as a printf may come per hit.
    this.ring.push(JSON.stringify(m));
  }

  private snapshot(extra: ThreadMessage): void {
    let text: string;
    try {
      text = toJson(this.maps());
    } catch (e) {
      text = '[]';
      this.send({ err: `jsprobe: thread ${threadId} could not snapshot its maps: ${(e as Error).message}\n` });
    }
    // In pieces, each waiting for room: a thread with big maps must not lose them to a full ring.
    const id = ++this.snapshots;
    const n = Math.max(1, Math.ceil(text.length / PART_CHARS));
    for (let i = 0; i < n; i++) {
      const part = { id, i, n, s: text.slice(i * PART_CHARS, (i + 1) * PART_CHARS) };
      this.ring.pushWait(toJson(i === n - 1 ? { ...extra, part } : { part }), SNAPSHOT_WAIT_MS);
    }
  }
}

interface Peer {
  tid: number;
  /** Null once the thread has ended and its ring was read a last time. */
  ring: Ring | null;
  maps: unknown;
  /** Pieces of the snapshot being received. */
  parts: string[];
  acked: number;
  /** Events its ring dropped, not reported yet. */
  lost: number;
}

/** The main side: drains every worker's ring, keeps each one's latest maps. */
export class MainRelay {
  private readonly channel = new BroadcastChannel(channelName());
  private readonly peers = new Map<number, Peer>();
  private readonly timer: ReturnType<typeof setInterval>;
  private seq = 0;

  constructor(private readonly onMessage: (tid: number, m: ThreadMessage) => void, drainEveryMs = 50) {
    this.channel.unref();
    this.channel.onmessage = (e: unknown) => {
      const m = (e as { data?: Partial<Hello> }).data;
      if (typeof m?.hello === 'number' && m.ring instanceof SharedArrayBuffer) {
        this.peers.set(m.hello, { tid: m.hello, ring: new Ring(m.ring), maps: undefined, parts: [], acked: 0, lost: 0 });
      }
    };
    // A worker this thread started that has ended, terminate() included, is not waited for at exit.
    onWorkerExit((tid) => {
      const p = this.peers.get(tid);
      if (p !== undefined) this.retire(p);
    });
    this.timer = setInterval(() => this.drain(), drainEveryMs);
    this.timer.unref();
  }

  /** Read every ring: events go to onMessage; snapshots replace the thread's last. */
  drain(): void {
    for (const p of this.peers.values()) this.drainPeer(p);
  }

  private drainPeer(p: Peer): void {
    if (p.ring === null) return;
    let bye = false;
    for (const m of drainJson<ThreadMessage>(p.ring)) {
      if (m.part !== undefined) {
        const { i, n, s } = m.part;
        if (i === 0) p.parts = [];
        if (p.parts.length === i) p.parts.push(s);
        if (i === n - 1 && p.parts.length === n) {
          try {
            p.maps = JSON.parse(p.parts.join(''));
          } catch {
            // A piece was lost (counted in the ring's lost): keep the last whole snapshot.
          }
          p.parts = [];
        }
      }
      if (m.ack !== undefined) p.acked = Math.max(p.acked, m.ack);
      if (m.bye === true) bye = true;
      this.onMessage(p.tid, m);
    }
    p.lost += p.ring.takeLost();
    // Its last snapshot is in: the ring (1 MiB) can go.
    if (bye) p.ring = null;
  }

  /** The thread has ended: read its ring a last time and let it go; its maps stay. */
  private retire(p: Peer): void {
    this.drainPeer(p);
    p.ring = null;
  }

  /**
   * Ask every live worker for its maps and wait, up to `timeoutMs`, for all to answer. Blocks
   * (it runs from 'exit'). Returns the threads that did not answer: their maps are as of their
   * last snapshot.
   */
  flush(timeoutMs: number): number[] {
    this.drain();
    const seq = ++this.seq;
    this.channel.postMessage({ flush: seq });
    const waiting = (): Peer[] => [...this.peers.values()].filter((p) => p.ring !== null && p.acked < seq);
    const until = performance.now() + timeoutMs;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    while (waiting().length > 0 && performance.now() < until) {
      Atomics.wait(sleep, 0, 0, 2);
      this.drain();
    }
    // Loops, not map(): this runs at exit, when the program may have replaced Array.prototype.map.
    const late: number[] = [];
    for (const p of waiting()) late.push(p.tid);
    return late;
  }

  /** Each worker's latest maps (what its snapshot held: a list of maps), in the order they said hello. */
  snapshots(): unknown[] {
    return [...this.peers.values()].flatMap((p) => (p.maps === undefined ? [] : [p.maps]));
  }

  /** Events dropped by each worker whose ring was full, since last asked. */
  newlyLost(): { tid: number; lost: number }[] {
    this.drain();
    const out: { tid: number; lost: number }[] = [];
    for (const p of this.peers.values()) {
      if (p.lost > 0) out.push({ tid: p.tid, lost: p.lost });
      p.lost = 0;
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
    this.channel.close();
  }
}
