// The ES module hooks thread tells the main thread which files it has loaded, so that a probe on
// a file that is already loaded (without sites) fails at once instead of waiting forever, and
// which it could not rewrite (failures.ts). An append-only list of lines (URLs here) in a
// SharedArrayBuffer: written by any thread (one at a time, under a lock), read by any.

const HEADER = 8;
const LENGTH = 0;
const LOCK = 1;
const SIZE = 8 << 20;

export class LoadedLog {
  readonly sab: SharedArrayBuffer;
  readonly #len: Int32Array;
  readonly #bytes: Uint8Array;
  #readUpTo = 0;
  readonly #seen = new Set<string>();
  #full = false;

  constructor(sab?: SharedArrayBuffer, size = SIZE) {
    this.sab = sab ?? new SharedArrayBuffer(size);
    this.#len = new Int32Array(this.sab, 0, 2);
    this.#bytes = new Uint8Array(this.sab, HEADER);
  }

  /**
   * Writer side. Two threads may write one log (failures: the CommonJS hook on the main thread,
   * the ES module hooks on theirs): an append takes the lock, uncontended but for such a race.
   */
  append(url: string): void {
    const bytes = new TextEncoder().encode(`${url}\n`);
    while (Atomics.compareExchange(this.#len, LOCK, 0, 1) !== 0) Atomics.wait(this.#len, LOCK, 1, 1);
    try {
      const at = Atomics.load(this.#len, LENGTH);
      if (at + bytes.length > this.#bytes.length) {
        this.#full = true;
        return;
      }
      this.#bytes.set(bytes, at);
      // The store publishes the line: a reader reads the length before the bytes it covers.
      Atomics.store(this.#len, LENGTH, at + bytes.length);
    } finally {
      Atomics.store(this.#len, LOCK, 0);
      Atomics.notify(this.#len, LOCK, 1);
    }
  }

  /** Reader side: every URL appended so far. */
  urls(): ReadonlySet<string> {
    const end = Atomics.load(this.#len, LENGTH);
    if (end > this.#readUpTo) {
      const text = new TextDecoder().decode(this.#bytes.slice(this.#readUpTo, end));
      for (const u of text.split('\n')) if (u !== '') this.#seen.add(u);
      this.#readUpTo = end;
    }
    return this.#seen;
  }

  get full(): boolean {
    return this.#full;
  }
}
