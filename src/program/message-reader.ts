// The reading side of the protocol (messages.ts): lines of text back into messages. Apart from
// the sending side, which brings jsprobe's JSON writer and the captured built-ins with it: the
// command's front reads the program's messages and loads this before the program starts.

import type { Message } from './messages.js';

// Captured at load, as core/primordials.ts captures it: this runs in traced processes too (a
// worker's ring, -p's channel thread), where the program may replace JSON.parse later.
const JSONParse = JSON.parse;

/** A line back into a message; null for one that is not (a transport never cuts one, short of a bug). */
export function decodeMessage(line: string): Message | null {
  try {
    const m = JSONParse(line) as Message | null;
    return typeof m === 'object' && m !== null && typeof m.t === 'string' ? m : null;
  } catch {
    return null;
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
