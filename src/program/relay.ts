// How the threads of a traced process report to its main thread: each worker thread writes its
// messages (output, warnings) into its ring, which the main thread drains, and hands over its maps
// as a snapshot: every second, when it ends, and when the main thread asks at exit. The main
// thread's ask is a grace period across threads: it waits for every worker to answer, bounded by a
// timeout, and says which thread did not.
//
// It runs over the threads' one link (threads/link.ts): control on a BroadcastChannel named per
// process, data through the rings, which the main thread can read synchronously, even from its
// 'exit' handler, when no message can arrive. What travels is the program's protocol (messages.ts).

import { threadId } from 'node:worker_threads';
import type { MapData } from '../agg/maps.js';
import { stringifyJson } from '../agg/safe-json.js';
import {
  ArrayPrototypeIncludes, ArrayPrototypeJoin, clearIntervalSafe, hasKey, JSONParse, MapPrototypeGet, MapPrototypeSet, mapForEach, MathCeil, MathMax,
  MathRound, SafeMap, PromiseThen, SafePromise, setIntervalSafe, StringPrototypeSlice,
} from '../core/primordials.js';
import { now } from '../core/clock.js';
import { atOnce, type Later } from '../core/job.js';
import { MainLink, WorkerLink } from '../threads/link.js';
import { beforeTerminate } from '../threads/worker-terminate.js';
import { workerName } from '../threads/own-threads.js';
import type { Ring } from '../threads/ring.js';
import { decodeMessage, encodeMessage, type Message, type Sender } from './messages.js';

/**
 * The link's purpose: its channel is `jsprobe:<purpose>:<pid>`. `jsprobe -c`'s agent and a `-p`
 * attach in the same process each have a relay, on channels of their own: on one channel, a worker
 * a `-p` attach had set up said hello to the `-c` run too, which then waited for it at its end
 * ("worker thread 1 did not answer").
 */
export type RelayPurpose = 'threads' | 'attach';
/**
 * The main thread asks every worker for its maps, or only those of `only` (a worker about to be
 * terminated and the workers it started), which answer over the channel too: their parent waits for them.
 */
type FlushRequest = { flush: number; only?: number[] };

/** How long a snapshot may wait for room in a full ring before it is counted lost. */
const SNAPSHOT_WAIT_MS = 200;
const SNAPSHOT_EVERY_MS = 1000;
/** Characters of snapshot text per record: at most ~3× that in UTF-8, well inside the 1 MiB ring. */
const PART_CHARS = 128 * 1024;
const RING_BYTES = 1 << 20;
/** How often the main side reads the workers' rings. */
const DRAIN_EVERY_MS = 50;
/**
 * How long a worker's terminate() waits for its maps (worker-terminate.ts): an idle worker answers
 * in a millisecond or two; a busy one that never yields is ended this much later than without jsprobe.
 */
const TERMINATE_WAIT_MS = 250;

/** The worker side: messages out through the ring, snapshots of `maps()` on a timer, at the end and when asked. */
export class WorkerRelay implements Sender {
  private readonly link: WorkerLink<FlushRequest>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private snapshots = 0;
  private readonly onExit = (): void => {
    clearIntervalSafe(this.timer);
    this.snapshot({ bye: true });
    this.link.close();
  };

  /**
   * `later` does what touches Node's own state (the timer, process.on/off): `-p` sets a worker up
   * from what may be a V8 interrupt, and passes core/job.ts's inJob.
   */
  constructor(private readonly maps: () => MapData[], private readonly later: Later = atOnce, purpose: RelayPurpose = 'threads') {
    this.link = new WorkerLink<FlushRequest>(purpose, RING_BYTES, (m) => {
      if (typeof m.flush !== 'number') return;
      // Own only: a request for every worker has none, and the program may have put one on Object.prototype.
      const only = hasKey(m, 'only') ? m.only : undefined;
      if (only !== undefined && !ArrayPrototypeIncludes(only, threadId)) return;
      // Asked before a terminate(): the parent waits on this answer, not on its next read of the ring.
      if (this.snapshot({ ack: m.flush }) && only !== undefined) this.link.answer(m.flush);
    });
    later(() => {
      if (this.closed) return;
      this.timer = setIntervalSafe(() => this.snapshot({}), SNAPSHOT_EVERY_MS).unref();
      process.on('exit', this.onExit);
    });
  }

  /** Stop (`-p` detach while the thread runs on): no more snapshots, and the ring is let go. */
  close(): void {
    this.closed = true;
    this.later(() => {
      clearIntervalSafe(this.timer);
      process.off('exit', this.onExit);
      this.link.close();
    });
  }

  /** A message: dropped and counted if the ring is full, never blocking the program. */
  send(m: Message): void {
    this.link.ring.push(encodeMessage(m));
  }

  /** Whether the whole snapshot went into the ring. */
  private snapshot(last: { ack?: number; bye?: true }): boolean {
    let text: string;
    try {
      // jsprobe's own JSON: JSON.stringify would look toJSON up on Object.prototype, the program's to set.
      text = stringifyJson(this.maps());
    } catch (e) {
      text = '[]';
      this.send({ t: 'err', text: `jsprobe: ${workerName()} could not snapshot its maps: ${(e as Error).message}\n` });
    }
    // In pieces, each waiting for room: a thread with big maps must not lose them to a full ring.
    const id = ++this.snapshots;
    const n = MathMax(1, MathCeil(text.length / PART_CHARS));
    for (let i = 0; i < n; i++) {
      const part = { id, i, n, s: StringPrototypeSlice(text, i * PART_CHARS, (i + 1) * PART_CHARS) };
      const m: Message = i === n - 1 ? { t: 'part', part, ...last } : { t: 'part', part };
      // A piece that finds no room is not an event lost: the main thread keeps the last whole snapshot.
      if (!this.link.ring.pushWait(encodeMessage(m), SNAPSHOT_WAIT_MS, false)) return false;
    }
    return true;
  }
}

/**
 * A worker ended without its last snapshot: by worker.terminate() (or its parent's end), which
 * runs none of its code, its 'exit' handlers included, so what it counted since its last snapshot
 * is gone (a worker that ends by itself sends its maps as it ends).
 */
function endedUnheard(tid: number, at: number | undefined): string {
  const what = at === undefined
    ? 'none of its hits are in the maps (it ended before its first snapshot)'
    : `any hits of its last ${MathRound(now() - at)} ms are not in the maps (its last snapshot is from then)`;
  return `jsprobe: ${workerName(tid)} was ended from outside (worker.terminate(), or its parent's end), which runs none of its code: ${what}\n`;
}

interface Peer {
  tid: number;
  /** Null once the thread has ended and its ring was read a last time. */
  ring: Ring | null;
  maps: MapData[] | undefined;
  /** Pieces of the snapshot being received. */
  parts: string[];
  /** Messages its ring dropped, not reported yet. */
  lost: number;
  /** When its last whole snapshot came in (core/clock.ts's now()), or undefined if none did. */
  at: number | undefined;
  /** It answered for its maps after terminate() was called on it (or on a worker that started it): nothing is lost at its end. */
  settled: boolean;
}

/** The main side: drains every worker's ring, keeps each one's latest maps. */
export class MainRelay {
  private readonly link: MainLink<FlushRequest>;
  // Its methods and iterator as captured (core/primordials.ts): this runs in the traced main thread, at exit too.
  private readonly peers: Map<number, Peer> = new SafeMap<number, Peer>();
  private readonly timer: ReturnType<typeof setInterval>;

  /** `onMessage` gets every message but the snapshots, which the relay keeps. */
  constructor(private readonly onMessage: (tid: number, m: Message) => void, purpose: RelayPurpose = 'threads') {
    this.link = new MainLink<FlushRequest>(purpose, {
      hello: (tid, ring) => void MapPrototypeSet(this.peers, tid, { tid, ring, maps: undefined, parts: [], lost: 0, at: undefined, settled: false }),
      // A worker this thread started that has ended, terminate() included (or one that it
      // started): read its ring a last time and let it go; its maps stay.
      ended: (tid) => {
        const p = MapPrototypeGet(this.peers, tid);
        if (p === undefined) return;
        this.drainPeer(p);
        if (p.ring !== null && !p.settled) this.onMessage(tid, { t: 'err', text: endedUnheard(tid, p.at) });
        p.ring = null;
      },
    });
    this.timer = setIntervalSafe(() => this.drain(), DRAIN_EVERY_MS);
    this.timer.unref();
    // -c only: an attach (-p) may detach, and leaves nothing of its own on the program's workers.
    if (purpose === 'threads') beforeTerminate((tid) => this.flushBeforeTerminate(tid));
  }

  /**
   * Take the maps of worker `tid` and of the workers it started before terminate() ends them,
   * waiting up to TERMINATE_WAIT_MS; one that does not answer is said to have lost its last hits,
   * as before.
   */
  private flushBeforeTerminate(tid: number): Promise<void> {
    return new SafePromise<void>((resolve) => {
      const p = MapPrototypeGet(this.peers, tid);
      if (p === undefined || p.ring === null) return resolve();
      const only = this.link.family(tid);
      const { seq, asked } = this.link.request((flush) => ({ flush, only }), only);
      let late: number[] = [];
      const done = (): void => {
        for (let i = 0; i < asked.length; i++) {
          const q = MapPrototypeGet(this.peers, asked[i]);
          if (q === undefined) continue;
          this.drainPeer(q);
          if (!ArrayPrototypeIncludes(late, asked[i])) q.settled = true;
        }
        resolve();
      };
      PromiseThen(this.link.wait(seq, asked, TERMINATE_WAIT_MS, (l) => void (late = l)), done, done);
    });
  }

  /** Read every ring: messages go to onMessage; snapshots replace the thread's last. */
  drain(): void {
    mapForEach(this.peers, (p) => this.drainPeer(p));
  }

  private drainPeer(p: Peer): void {
    if (p.ring === null) return;
    let bye = false;
    const lines = p.ring.drain();
    for (let i = 0; i < lines.length; i++) {
      const m = decodeMessage(lines[i]);
      if (m === null) continue;
      if (m.t !== 'part') {
        this.onMessage(p.tid, m);
        continue;
      }
      this.piece(p, m);
      if (m.ack !== undefined) this.link.answered(m.ack, p.tid);
      if (m.bye === true) bye = true;
    }
    p.lost += p.ring.takeLost();
    // Its last snapshot is in: the ring (1 MiB) can go, and the thread is not waited for.
    if (bye) {
      p.ring = null;
      this.link.forget(p.tid);
    }
  }

  private piece(p: Peer, m: Extract<Message, { t: 'part' }>): void {
    const { i, n, s } = m.part;
    if (i === 0) p.parts = [];
    if (p.parts.length === i) p.parts[i] = s;
    if (i === n - 1 && p.parts.length === n) {
      try {
        p.maps = JSONParse(ArrayPrototypeJoin(p.parts, '')) as MapData[];
        p.at = now();
      } catch {
        // A piece was lost (counted in the ring's lost): keep the last whole snapshot.
      }
      p.parts = [];
    }
  }

  /**
   * Ask every live worker for its maps and wait, up to `timeoutMs`, for all to answer. Blocks
   * (it runs from 'exit'). Returns the threads that did not answer: their maps are as of their
   * last snapshot.
   */
  flush(timeoutMs: number): number[] {
    this.drain();
    const { seq, asked } = this.link.request((flush) => ({ flush }));
    return this.link.waitSync(seq, asked, timeoutMs, () => this.drain());
  }

  /** Each worker's latest maps, in the order they said hello. */
  snapshots(): MapData[][] {
    const out: MapData[][] = [];
    mapForEach(this.peers, (p) => {
      if (p.maps !== undefined) out[out.length] = p.maps;
    });
    return out;
  }

  /** Messages dropped by each worker whose ring was full, since last asked. */
  newlyLost(): { tid: number; lost: number }[] {
    this.drain();
    // A loop, not filter/map: this runs at exit, when the program may have replaced Array.prototype.map.
    const out: { tid: number; lost: number }[] = [];
    mapForEach(this.peers, (p) => {
      if (p.lost > 0) out[out.length] = { tid: p.tid, lost: p.lost };
      p.lost = 0;
    });
    return out;
  }

  close(): void {
    clearIntervalSafe(this.timer);
    this.link.close();
  }
}
