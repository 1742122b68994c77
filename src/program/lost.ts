// "Lost N events" on jsprobe's stderr, in bpftrace's words, for events the traced program dropped
// because the command did not keep up ({t:'lost'} messages: fd-sender.ts under -c, the runtime's
// rings under -p): at most once a second while it happens, and what is left at the end. The
// program is never made to wait instead.

import { now } from '../core/clock.js';

const EVERY_MS = 1000;

export class LostEvents {
  #unsaid = 0;
  #total = 0;
  #lines = 0;
  #saidAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly write: (s: string) => void) {}

  add(n: number): void {
    if (!(n > 0)) return;
    this.#unsaid += n;
    this.#total += n;
    const wait = this.#saidAt + EVERY_MS - now();
    if (wait <= 0) this.#say();
    else this.#timer ??= setTimeout(() => this.#say(), wait);
  }

  /** The end: what was not said yet, and the total when it took more than one line. */
  end(): void {
    this.#say();
    if (this.#lines > 1) this.write(`jsprobe: Lost ${this.#total} events in all\n`);
  }

  #say(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#unsaid === 0) return;
    this.write(`Lost ${this.#unsaid} events\n`);
    this.#unsaid = 0;
    this.#lines++;
    this.#saidAt = now();
  }
}
