// The one protocol of a traced program: what its threads, the process it runs in and the jsprobe
// command say to each other, on every transport (docs/design.md, "Layers"):
//   - a worker thread to its main thread, through its ring (relay.ts);
//   - the agent of `jsprobe -c` to the command, one JSON line a message on fd 3 (cli/agent.ts);
//   - the runtime of `jsprobe -p` to the command, through a Runtime binding (attach/remote.ts).
// A new kind of message is one more member of `Message`; each receiver's switch then names it.

import { writeSync } from 'node:fs';
import type { MapData } from '../agg/maps.js';
import { stringifyJson } from '../agg/safe-json.js';
import { JSONParse, JSONStringify } from '../core/primordials.js';

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
  /** A line for jsprobe's stderr (a warning, a fault, events lost). */
  | { t: 'err'; text: string }
  /** Tracing has started: how many probes were registered. */
  | { t: 'ready'; probes: number }
  /** The program could not be registered; it does not run. */
  | { t: 'fatal'; text: string }
  /** exit() was called in the program. */
  | { t: 'exit' }
  /** The trace ended on this signal, while the program, which handles it itself, runs on. */
  | { t: 'detached'; signal: NodeJS.Signals }
  /** A thread's maps, to merge with the others' before they print. */
  | { t: 'maps'; maps: MapData[] }
  /**
   * A worker's map snapshot, or a piece of it; the last piece says which flush request it
   * answers (`ack`) and whether the thread is ending (`bye`).
   */
  | { t: 'part'; part: SnapshotPart; ack?: number; bye?: true };

/** Where a side puts its messages: a ring, a pipe, a binding. */
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
  return stringifyJson(m);
}

/** A line back into a message; null for one that is not (a transport never cuts one, short of a bug). */
export function decodeMessage(line: string): Message | null {
  try {
    const m = JSONParse(line) as Message | null;
    return typeof m === 'object' && m !== null && typeof m.t === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** The text a message would print, for a side that has lost its transport. */
function fallbackText(m: Message): string {
  return m.t === 'out' || m.t === 'err' || m.t === 'fatal' ? m.text : '';
}

/**
 * JSON lines on a file descriptor (the agent's fd 3), or stderr without one. When the pipe is gone
 * (the command was killed), nobody reads the trace: it must not land on the program's own stderr,
 * so messages are dropped from then on and `gone` is told, once.
 */
export class FdSender implements Sender {
  #closed = false;

  constructor(private readonly fd: number, private readonly gone: () => void = () => {}) {}

  send(m: Message): void {
    if (this.#closed) return;
    if (!Number.isInteger(this.fd) || this.fd <= 2) {
      process.stderr.write(fallbackText(m));
      return;
    }
    try {
      writeSync(this.fd, `${encodeMessage(m)}\n`);
    } catch {
      this.close();
      this.gone();
    }
  }

  /** Send nothing more. */
  close(): void {
    this.#closed = true;
  }
}

/** Messages through a global function the inspector's Runtime.addBinding put there (`jsprobe -p`). */
export class BindingSender implements Sender {
  constructor(private readonly name: string) {}

  send(m: Message): void {
    const send = (globalThis as Record<string, unknown>)[this.name];
    if (typeof send === 'function') (send as (s: string) => void)(encodeMessage(m));
  }
}

/**
 * Messages out of a stream of text chunks that hold JSON lines (the command's end of fd 3). A long
 * line comes in many chunks: they are kept apart and joined once, when its newline arrives, and
 * only a new chunk is searched for it (searching the whole line again at every chunk made 2,000
 * one-megabyte printfs take minutes, and held the traced program on the full pipe meanwhile).
 */
export class LineReader {
  #pending: string[] = [];

  constructor(private readonly onMessage: (m: Message) => void) {}

  push(chunk: string): void {
    let start = 0;
    let nl;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      this.#pending.push(chunk.slice(start, nl));
      const line = this.#pending.length === 1 ? this.#pending[0] : this.#pending.join('');
      this.#pending = [];
      start = nl + 1;
      const m = decodeMessage(line);
      if (m !== null) this.onMessage(m);
    }
    if (start < chunk.length) this.#pending.push(chunk.slice(start));
  }
}

/** The binding `jsprobe -p` adds in every thread of the target. */
export const ATTACH_BINDING = '__jsprobe_emit';

/** What the command asks of the runtime in each thread of an attached process (attach/remote.ts). */
export interface AttachOptions {
  format: 'text' | 'json' | 'folded';
  /** This thread is a worker of the target (its maps are merged with the main thread's). */
  worker?: boolean;
  unsafe: boolean;
  /** jsprobe opened the inspector (SIGUSR1): close it again on detach. */
  closeInspector: boolean;
  /** Keys per map (--max-map-keys). */
  maxMapKeys?: number;
}

/** What attach() answers: how many probes, which were skipped (not in this thread), or the error. */
export type AttachResult = { probes: number; skipped: string[] } | { error: string };
