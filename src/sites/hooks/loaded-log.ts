// The ES module hooks thread tells the main thread which files it has loaded, so that a probe on
// a file that is already loaded (without sites) fails at once instead of waiting forever, and
// which it could not rewrite (load/failures.ts). An append-only list of lines (URLs here) in a
// SharedArrayBuffer: written by one thread at a time, read by any.

const HEADER = 4;
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
    this.#len = new Int32Array(this.sab, 0, 1);
    this.#bytes = new Uint8Array(this.sab, HEADER);
  }

  /** Writer side (one thread). */
  append(url: string): void {
    const bytes = new TextEncoder().encode(`${url}\n`);
    const at = Atomics.load(this.#len, 0);
    if (at + bytes.length > this.#bytes.length) {
      this.#full = true;
      return;
    }
    this.#bytes.set(bytes, at);
    Atomics.store(this.#len, 0, at + bytes.length);
  }

  /** Reader side: every URL appended so far. */
  urls(): ReadonlySet<string> {
    const end = Atomics.load(this.#len, 0);
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
