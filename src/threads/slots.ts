// Per-thread aggregation slots in a SharedArrayBuffer (the kernel's per-CPU maps): each thread
// claims a row of its own and adds to it with plain stores, no atomics and no lock, and the rows
// are summed only when someone reads. Rows are padded to a multiple of 128 bytes, so two threads
// never write the same cache line (false sharing would serialise them as a lock would).
//
// Layout: a 128-byte header (Int32 word 0: rows claimed so far; word 1: the row count; word 2:
// the row width in slots), then the rows, each `width` Float64 slots padded to 128 bytes.

// 128, not 64: adjacent-line prefetchers pull cache lines in pairs, so neighbours 64 bytes apart
// can still contend.
const LINE = 128;
const CLAIMED = 0;
const ROWS = 1;
const WIDTH = 2;

export class ThreadSlots {
  readonly sab: SharedArrayBuffer;
  readonly width: number;
  readonly maxThreads: number;
  private readonly header: Int32Array;
  private readonly stride: number;
  private readonly all: Float64Array;

  /** Slots for up to `maxThreads` threads, `width` numbers each. */
  static create(width: number, maxThreads = 64): ThreadSlots {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be a positive integer, got ${width}`);
    if (!Number.isInteger(maxThreads) || maxThreads < 1) throw new RangeError(`maxThreads must be a positive integer, got ${maxThreads}`);
    const stride = Math.ceil((width * 8) / LINE) * LINE;
    const sab = new SharedArrayBuffer(LINE + stride * maxThreads);
    const header = new Int32Array(sab, 0, LINE / 4);
    header[ROWS] = maxThreads;
    header[WIDTH] = width;
    return new ThreadSlots(sab);
  }

  /** The same slots, seen from another thread (its `sab` was posted there). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.header = new Int32Array(sab, 0, LINE / 4);
    this.maxThreads = this.header[ROWS];
    this.width = this.header[WIDTH];
    this.stride = Math.ceil((this.width * 8) / LINE) * LINE;
    this.all = new Float64Array(sab, LINE);
  }

  /** This thread's row: a view it alone writes. Call once per thread. */
  claim(): Float64Array {
    const row = Atomics.add(this.header, CLAIMED, 1);
    if (row >= this.maxThreads) {
      Atomics.sub(this.header, CLAIMED, 1);
      throw new RangeError(`all ${this.maxThreads} rows of these slots are claimed`);
    }
    return new Float64Array(this.sab, LINE + row * this.stride, this.width);
  }

  /** Rows claimed so far. */
  get threads(): number {
    return Math.min(Atomics.load(this.header, CLAIMED), this.maxThreads);
  }

  /** Slot `i` summed over every thread's row: the merge, done only when read. */
  sum(i: number): number {
    const step = this.stride / 8;
    let total = 0;
    for (let r = 0, n = this.threads; r < n; r++) total += this.all[r * step + i];
    return total;
  }

  /** Slot `i` of each thread's row, in claim order. */
  perThread(i: number): number[] {
    const step = this.stride / 8;
    return Array.from({ length: this.threads }, (_, r) => this.all[r * step + i]);
  }
}
