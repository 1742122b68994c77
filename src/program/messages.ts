// The one protocol of a traced program: what its threads, the process it runs in and the jsprobe
// command say to each other, on every transport (docs/design.md, "Layers"):
//   - a worker thread to its main thread, through its ring (relay.ts);
//   - the agent of `jsprobe -c` to the command, one JSON line a message on fd 3 (fd-sender.ts);
//   - the runtime of `jsprobe -p` to the command: the main thread through its ring to the runtime's
//     channel thread, and from there one JSON line a message on the private Unix socket (attach/).
// A new kind of message is one more member of `Message`; each receiver's switch then names it.

import type { MapData } from '../agg/maps.js';
import { stringifyJson } from '../agg/safe-json.js';
import { JSONStringify } from '../core/primordials.js';
import type { Ring } from '../threads/ring.js';

// The reading side (message-reader.ts) is a module of its own: the command's front reads the
// program's messages, and sends none, before the program starts.
export { decodeMessage, LineReader } from './message-reader.js';

/** A piece of a worker's map snapshot (one too big for a ring record comes in several). */
export interface SnapshotPart {
  /** Snapshot number, piece index, piece count, and the piece of JSON text. */
  id: number;
  i: number;
  n: number;
  s: string;
}

export type Message =
  /** Trace output, formatted already (text, or JSON lines). */
  | { t: 'out'; text: string }
  /** A line for jsprobe's stderr (a warning, a fault). */
  | { t: 'err'; text: string }
  /**
   * Events dropped since the last such message, because an output buffer was full: fd-sender.ts
   * under -c, a ring under -p. `end` (-c): the program is ending, and what follows (END's output,
   * the maps) must not be dropped.
   */
  | { t: 'lost'; n: number; end?: true }
  /** Tracing has started: how many probes were registered. */
  | { t: 'ready'; probes: number }
  /** The program could not be registered; it does not run. */
  | { t: 'fatal'; text: string }
  /** exit() was called in the program. */
  | { t: 'exit' }
  /** The trace ended on this signal, while the program, which handles it itself, runs on. */
  | { t: 'detached'; signal: NodeJS.Signals }
  /** A thread's maps, to merge with the others' before they print; `pid`: the first process's, under -c. */
  | { t: 'maps'; maps: MapData[]; pid?: number }
  /**
   * Every thread's maps as they are now (a process killed later cannot send them): kept, not
   * merged. Under -p from the channel thread; under -c from the first process (`pid`), whose
   * final maps (`maps`, with the same pid) take its place.
   */
  | { t: 'backup'; maps: MapData[][]; pid?: number }
  /**
   * -c, `--prometheus`: the maps of every thread as they are now, the answer to the command's
   * snapshot request `id`; null when the last was too recent for its cost (SNAPSHOT_SPACING).
   */
  | { t: 'snapshot'; id: number; maps: MapData[] | null }
  /**
   * A worker's map snapshot, or a piece of it; the last piece says which flush request it
   * answers (`ack`) and whether the thread is ending (`bye`).
   */
  | { t: 'part'; part: SnapshotPart; ack?: number; bye?: true }
  /** `-p`: the answer to the command's request `id` (ChannelRequest), its value or its error. */
  | { t: 'reply'; id: number; value?: unknown; error?: string }
  /** `-p`: the target is ending (its 'exit', or an uncaught exception); its maps came before. */
  | { t: 'ending'; how: 'exit' | 'uncaught'; code: number }
  /** `-c`: a child process of the program, on its own connection to the command (cli/children.ts). */
  | { t: 'hello'; pid: number; ppid: number }
  /**
   * `--otlp`: `n` calls of fnret probes of process `pid`, for the command to export as spans
   * (cli/otlp.ts): `rows` is the JSON text of a SpanBatch, built by the program without
   * running its code. Batched (a write per call cost ~15 µs); a dropped batch counts its n calls as lost.
   */
  | { t: 'spans'; n: number; pid: number; rows: string };

/**
 * `--otlp`: a batch of calls as the traced program reports them (a {t:'spans'} message's rows, as
 * JSON text): its thread's `tid`; the first call's end in ms since the epoch; `stride`, the numbers
 * a call takes (3, or 4 when the program reads `ctx`); the batch's kinds of call, four numbers
 * each: the probe's index in the compiled program (the command compiles the same one), and the
 * index in the strings of the function (`Db.prototype.query`), of the target
 * (`/app/db.js:Db.prototype.query`; -1: the probe's own) and of the message of what the call threw
 * (-1: it returned); the strings; and the calls, as the base64 of a Float64Array in the machine's
 * byte order, `stride` numbers each: its kind, its end in ns after the first call's, its duration
 * in ns (`elapsed`), and `ctx`.
 */
export type SpanBatch = [tid: number, endMs: number, stride: number, kinds: number[], strings: string[], calls: string];

/**
 * `--prometheus`: a traced process takes a snapshot of its maps (its main thread's time) only when
 * this many times the last one's cost has passed since; else it answers null, and the command
 * serves the last. Snapshots then take at most 1/20 of the main thread's time, however often
 * Prometheus scrapes (about 1.5 s each for 65,536 keys on a loaded 2-core machine).
 */
export const SNAPSHOT_SPACING = 20;

export { STOP_GRACE_MS } from './stop-grace.js';

/** Where a side puts its messages: a ring, a pipe, a socket. */
export interface Sender {
  send(m: Message): void;
}

/**
 * One message as a line of text, without JSON.stringify of an object: that looks `toJSON` up on
 * Object.prototype, where the program can put one, and it runs in the program's threads. Text, the
 * common case, is one captured stringify of a string; the rest goes through jsprobe's own JSON.
 * (A map's data holds no BigInt: the value kind tags one as its digits.)
 */
export function encodeMessage(m: Message): string {
  if (m.t === 'out' || m.t === 'err' || m.t === 'fatal') return `{"t":"${m.t}","text":${JSONStringify(m.text) as string}}`;
  // --otlp's batches, many a second: their fields are known, and the walk below cost ~0.4 µs a call.
  if (m.t === 'spans') return `{"t":"spans","n":${m.n},"pid":${m.pid},"rows":${JSONStringify(m.rows) as string}}`;
  return stringifyJson(m);
}

/** Messages into a ring: dropped and counted when it is full, never blocking the thread that sends. */
export class RingSender implements Sender {
  constructor(private readonly ring: Ring) {}

  send(m: Message): void {
    this.ring.push(encodeMessage(m));
  }
}

/** What the command asks of the runtime's channel thread in an attached process, one JSON line each. */
export type ChannelRequest =
  | { id: number; op: 'attach'; source: string; options: AttachOptions }
  | { id: number; op: 'detach' }
  | { id: number; op: 'close-inspector' }
  | { id: number; op: 'points'; pattern: string; lines?: boolean }
  /** `--prometheus`: every thread's maps as they are now (MapData[]), tracing on; null: too soon after the last (SNAPSHOT_SPACING). */
  | { id: number; op: 'snapshot' };

/**
 * The answer to `points`: the probe points as the target sees them; for none, the targets nearest
 * to the pattern there (for "did you mean"), and `error` when the pattern itself fails (no file matches it).
 */
export interface PointsReply {
  points: string[];
  near?: string[];
  error?: string;
}

/** What the one Runtime.evaluate that loads the runtime gives it (attach/remote.ts load()). */
export interface LoadOptions {
  /** The command's Unix socket, in a directory only the invoking user can open. */
  socket: string;
  /** jsprobe opened the inspector (SIGUSR1): if the command goes away before closing it, the runtime does. */
  closeInspector: boolean;
}

/** What the command asks of the runtime in each thread of an attached process (attach/remote.ts). */
export interface AttachOptions {
  format: 'text' | 'json' | 'folded';
  /** This thread is a worker of the target (its maps are merged with the main thread's). */
  worker?: boolean;
  unsafe: boolean;
  /** Keys per map (--max-map-keys). */
  maxMapKeys?: number;
  /** Characters a string keeps (--max-strlen). */
  maxStrlen?: number;
  /** The pause budget of a live patch, ms (--max-pause). */
  maxPauseMs?: number;
  /** A worker's `tid`: its threadId less jsprobe's threads started before it (threads/own-threads.ts). */
  tid?: number;
  /** --otlp: calls of fnret probes go to the command as span rows ({t:'spans'}). */
  spans?: true;
}

/** What attach() answers: how many probes, which were skipped (not in this thread), or the error. */
/**
 * `profiles`: the program samples stacks (profile:hz:N), so the channel thread ticks its slices.
 * `near`: for a skipped probe on a module's export, the nearest names there ([probe text, targets]).
 */
export type AttachResult = { probes: number; skipped: string[]; said?: string[]; profiles?: boolean; near?: [string, string[]][] } | AttachRefusal;

/**
 * An attach refused: the program's errors (a positioned report), or `process`: the process cannot
 * be traced now (another jsprobe traces it; its Object.prototype has what breaks Node's inspector).
 */
export interface AttachRefusal {
  error: string;
  process?: true;
}

/**
 * The channel thread's answer to 'attach': the main thread's, and what each worker skipped.
 * `refused`: of `skipped`, the probes taken off as they could never run on the sites they got (said by the target's session).
 */
export type ChannelAttachResult =
  | { probes: number; skipped: string[]; said?: string[]; refused?: string[]; workers: string[][]; notes: string[]; near?: [string, string[]][] }
  | AttachRefusal;
