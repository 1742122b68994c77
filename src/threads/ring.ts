// A bounded event ring in a SharedArrayBuffer, one producer thread and one consumer thread (the
// kernel's perf ring buffer, per thread): `printf`-style events go from a worker to the thread
// that prints them without a lock and without blocking the producer. When the ring is full an
// event is dropped and counted in `lost`, which the consumer always reports.
//
// Layout: a 256-byte header of Int32 words, the consumer's at the start and the producer's 128
// bytes on (so the two sides never write one cache line, nor a prefetched pair), then `capacity`
// bytes of records. A record is a 4-byte length and that many UTF-8 bytes, padded to 4 bytes, so
// a length never straddles the end of the data. head and tail count bytes since the start,
// modulo 2^32; capacity is a power of two, so a position is a count masked by capacity - 1.

import { now } from '../core/clock.js';
import { JSONParse, ObjectSetPrototypeOf, ReflectApply, SharedArrayBufferPrototypeGetByteLength } from '../core/primordials.js';

const HEAD = 0; // written by the consumer: bytes consumed
const TAIL = 32; // written by the producer: bytes produced
const LOST = 33; // written by the producer: events dropped because the ring was full
const HEADER_BYTES = 256;

// Captured as this file loads: both sides run in the traced process (a worker's ring, read by its
// main thread; -p's ring, written by the target's main thread), where the program may replace
// Buffer's methods, TextEncoder's, the typed arrays' or Atomics later. Buffer's own `write` and
// `toString` would look up `utf8Write` and `utf8Slice` on the buffer at each call: those two
// natives are taken directly, as the other methods are.
const BufferByteLength = Buffer.byteLength;
const BufferUtf8Write = Buffer.prototype.utf8Write as unknown as (this: Uint8Array, s: string, offset: number, length: number) => number;
const BufferUtf8Slice = Buffer.prototype.utf8Slice as unknown as (this: Uint8Array, start: number, end: number) => string;
const TypedArraySet = (Object.getPrototypeOf(Uint8Array.prototype) as Uint8Array).set;
const SafeUint8Array = Uint8Array;
const SafeInt32Array = Int32Array;
const TextEncoderEncode = TextEncoder.prototype.encode;
const encoder = new TextEncoder();
const { load: AtomicsLoad, store: AtomicsStore, add: AtomicsAdd, wait: AtomicsWait, notify: AtomicsNotify } = Atomics;

export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  /** Consumer side, this thread's only: how much of `lost` takeLost() has handed out. */
  private reported = 0;
  /**
   * Producer side: set while a write is under way. An interrupt of this thread (a -p request, a
   * profile tick, whose handlers may printf) can land inside a write, between its read of TAIL
   * and its store: a write from there would take the same place, and the outer one would
   * overwrite it and publish a length that is not its own (the consumer then reads garbage).
   * What lands there waits in `later`, and the outer write puts it in after its own.
   */
  private writing = false;
  private later: string[] | null = null;
  private laterBytes = 0;

  /** A new ring of `capacity` bytes (a power of two, at least 64). */
  static create(capacity = 1 << 20): Ring {
    if (!Number.isInteger(capacity) || capacity < 64 || capacity > 2 ** 30 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two from 64 to 2^30 bytes, got ${capacity}`);
    }
    return new Ring(new SharedArrayBuffer(HEADER_BYTES + capacity));
  }

  /** The same ring, seen from another thread (its `sab` was posted there). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.capacity = SharedArrayBufferPrototypeGetByteLength(sab) - HEADER_BYTES;
    this.header = new SafeInt32Array(sab, 0, HEADER_BYTES / 4);
    // A view of the shared memory: UTF-8 is written into it and read out of it natively, in place,
    // by Buffer's natives (TextEncoder and TextDecoder would copy, and cost ~0.5 µs an event each).
    this.bytes = new SafeUint8Array(sab, HEADER_BYTES, this.capacity);
    this.words = new SafeInt32Array(sab, HEADER_BYTES, this.capacity / 4);
  }

  /** Events dropped so far because the ring was full (or an event was larger than it). */
  get lost(): number {
    return AtomicsLoad(this.header, LOST);
  }

  /** Consumer: events dropped since the last call (for a report that says each drop once). */
  takeLost(): number {
    const lost = this.lost;
    const n = lost - this.reported;
    this.reported = lost;
    return n;
  }

  /** Bytes written and not yet consumed. */
  get used(): number {
    return (AtomicsLoad(this.header, TAIL) - AtomicsLoad(this.header, HEAD)) >>> 0;
  }

  /** Producer: append `event`, or drop and count it if it does not fit. Never blocks. */
  push(event: string): boolean {
    return this.write(event, BufferByteLength(event));
  }

  /**
   * Producer: append `event`, waiting up to `timeoutMs` for the consumer to make room. For what
   * must not be dropped if it can be helped (a thread's maps); false, and counted lost, if not.
   * `events`: false for what is not one of the program's events (a piece of a snapshot), which is
   * not counted: a worker whose snapshot found its ring full had one lost event more than it lost.
   */
  pushWait(event: string, timeoutMs: number, events = true): boolean {
    const len = BufferByteLength(event);
    const until = now() + timeoutMs;
    for (;;) {
      const head = AtomicsLoad(this.header, HEAD);
      if (this.fits(len, head) || len + 4 > this.capacity) return this.write(event, len);
      const left = until - now();
      if (left <= 0) return events ? this.write(event, len) : false;
      AtomicsWait(this.header, HEAD, head, left);
    }
  }

  /** Consumer: every event written since the last drain, oldest first. */
  drain(): string[] {
    const out: string[] = [];
    const tail = AtomicsLoad(this.header, TAIL);
    let head = this.header[HEAD];
    const mask = this.capacity - 1;
    while (head !== tail) {
      const at = head & mask;
      const len = this.words[at >> 2];
      const start = (at + 4) & mask;
      if (start + len <= this.capacity) {
        out[out.length] = ReflectApply(BufferUtf8Slice, this.bytes, [start, start + len]) as string;
      } else {
        // The record wraps around the end: join its two parts before decoding.
        const first = this.capacity - start;
        const joined = new SafeUint8Array(len);
        ReflectApply(TypedArraySet, joined, [new SafeUint8Array(this.sab, HEADER_BYTES + start, first)]);
        ReflectApply(TypedArraySet, joined, [new SafeUint8Array(this.sab, HEADER_BYTES, len - first), first]);
        out[out.length] = ReflectApply(BufferUtf8Slice, joined, [0, len]) as string;
      }
      head = (head + 4 + align4(len)) | 0;
    }
    AtomicsStore(this.header, HEAD, head);
    AtomicsNotify(this.header, HEAD);
    return out;
  }

  private fits(len: number, head: number): boolean {
    const used = (this.header[TAIL] - head) >>> 0;
    return this.capacity - used >= 4 + align4(len);
  }

  private write(event: string, len: number): boolean {
    if (this.writing) return this.defer(event, len);
    this.writing = true;
    try {
      let ok = this.writeNow(event, len);
      // Each one may have been followed by more that landed inside it: the index is read anew.
      const later = this.later;
      if (later !== null) {
        for (let i = 0; i < later.length; i++) ok = this.writeNow(later[i], BufferByteLength(later[i])) && ok;
      }
      return ok;
    } finally {
      this.later = null;
      this.laterBytes = 0;
      this.writing = false;
    }
  }

  /** A write that landed inside another: kept for it, within what the ring could hold; else lost. */
  private defer(event: string, len: number): boolean {
    const bytes = this.laterBytes + 4 + align4(len);
    if (bytes > this.capacity) {
      AtomicsAdd(this.header, LOST, 1);
      return false;
    }
    // No prototype: an index setter the program put on Array.prototype never sees the event.
    const later = this.later ??= ObjectSetPrototypeOf([], null) as string[];
    later[later.length] = event;
    this.laterBytes = bytes;
    return true;
  }

  private writeNow(event: string, len: number): boolean {
    if (!this.fits(len, AtomicsLoad(this.header, HEAD))) {
      AtomicsAdd(this.header, LOST, 1);
      return false;
    }
    const mask = this.capacity - 1;
    const tail = this.header[TAIL];
    const at = tail & mask;
    this.words[at >> 2] = len;
    const start = (at + 4) & mask;
    if (start + len <= this.capacity) {
      ReflectApply(BufferUtf8Write, this.bytes, [event, start, len]);
    } else {
      // Byte by byte, once a lap of the ring: views over `data.buffer` would read the typed arrays' buffer and byteLength getters.
      const data = ReflectApply(TextEncoderEncode, encoder, [event]) as Uint8Array;
      const bytes = this.bytes;
      for (let i = 0; i < len; i++) bytes[(start + i) & mask] = data[i];
    }
    // The store publishes the record: the consumer reads TAIL before the bytes it covers.
    AtomicsStore(this.header, TAIL, (tail + 4 + align4(len)) | 0);
    return true;
  }
}

/** Consumer: drain() for a ring of JSON records, one value a record (one that does not parse is skipped). */
export function drainJson<T>(ring: Ring): T[] {
  const out: T[] = [];
  const lines = ring.drain();
  // By index, and the captured JSON.parse: this runs in the traced process.
  for (let i = 0; i < lines.length; i++) {
    try {
      out[out.length] = JSONParse(lines[i]) as T;
    } catch {
      // A producer writes whole records: this cannot happen short of a bug; skip, don't stop.
    }
  }
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
