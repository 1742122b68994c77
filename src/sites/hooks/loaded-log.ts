// The ES module hooks thread tells the main thread which files it has loaded, so that a probe on
// a file that is already loaded (without sites) fails at once instead of waiting forever, and
// which it could not rewrite (failures.ts). An append-only list of lines (URLs here) in a
// SharedArrayBuffer: written by any thread (one at a time, under a lock), read by any.

import {
  AtomicsCompareExchange, AtomicsLoad, AtomicsNotify, AtomicsStore, AtomicsWait, TypedArrayPrototypeGetLength, TypedArrayPrototypeSet,
} from '../../core/primordials.js';
const HEADER = 8;
const LENGTH = 0;
const LOCK = 1;
const SIZE = 8 << 20;

export class LoadedLog {
  #sab: SharedArrayBuffer | null;
  readonly #size: number;
  #len: Int32Array | null = null;
  #bytes: Uint8Array | null = null;
  #readUpTo = 0;
  readonly #seen = new Set<string>();
  #full = false;

  constructor(sab?: SharedArrayBuffer, size = SIZE) {
    this.#sab = sab ?? null;
    this.#size = size;
  }

  /**
   * The log's memory, made when first needed: a process with no load hooks (`jsprobe -p`'s
   * runtime) never writes one, and 8 MiB stayed in a target's arrayBuffers after every detach.
   */
  get sab(): SharedArrayBuffer {
    return (this.#sab ??= new SharedArrayBuffer(this.#size));
  }

  #views(): { len: Int32Array; bytes: Uint8Array } {
    const len = (this.#len ??= new Int32Array(this.sab, 0, 2));
    const bytes = (this.#bytes ??= new Uint8Array(this.sab, HEADER));
    return { len, bytes };
  }

  /**
   * Writer side. Two threads may write one log (failures: the CommonJS hook on the main thread,
   * the ES module hooks on theirs): an append takes the lock, uncontended but for such a race.
   */
  append(url: string): void {
    // The captured built-ins: an ES module's load hook appends here in the program's thread (Node >= 22.15).
    const bytes = new TextEncoder().encode(`${url}\n`);
    const n = TypedArrayPrototypeGetLength(bytes);
    const v = this.#views();
    while (AtomicsCompareExchange(v.len, LOCK, 0, 1) !== 0) AtomicsWait(v.len, LOCK, 1, 1);
    try {
      const at = AtomicsLoad(v.len, LENGTH);
      if (at + n > TypedArrayPrototypeGetLength(v.bytes)) {
        this.#full = true;
        return;
      }
      TypedArrayPrototypeSet(v.bytes, bytes, at);
      // The store publishes the line: a reader reads the length before the bytes it covers.
      AtomicsStore(v.len, LENGTH, at + n);
    } finally {
      AtomicsStore(v.len, LOCK, 0);
      AtomicsNotify(v.len, LOCK, 1);
    }
  }

  /** Reader side: every URL appended so far. */
  urls(): ReadonlySet<string> {
    if (this.#sab === null) return this.#seen;
    const v = this.#views();
    const end = Atomics.load(v.len, LENGTH);
    if (end > this.#readUpTo) {
      const text = new TextDecoder().decode(v.bytes.slice(this.#readUpTo, end));
      for (const u of text.split('\n')) if (u !== '') this.#seen.add(u);
      this.#readUpTo = end;
    }
    return this.#seen;
  }

  get full(): boolean {
    return this.#full;
  }
}
