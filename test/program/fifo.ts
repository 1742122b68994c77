// A FIFO to stand for -c's descriptor in the sender's tests (the sender writes to its write end,
// which it makes non-blocking; the test reads what it holds), and an interrupt made to land at a
// write(2) of the sender's.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the pipe holds now (its read end is non-blocking). */
export function readAll(fd: number): string {
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw e;
    }
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A FIFO's two ends, the read end non-blocking. */
export function fifoPair(): { r: number; w: number } {
  const fifo = join(fs.mkdtempSync(join(tmpdir(), 'jsprobe-fd-')), 'pipe');
  execFileSync('mkfifo', [fifo]);
  const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  return { r, w: fs.openSync(fifo, fs.constants.O_WRONLY) };
}

type WriteSync = typeof fs.writeSync;

export interface Landing {
  /** Land once the write has returned (what the pipe took is known to the pipe, not yet to the sender), not before it. */
  after?: boolean;
  /** Which write to land at: the first for which this is true (`n`: its answer, when `after`). */
  at?: (n: number | undefined) => boolean;
}

/**
 * Run `f` with `land` (which may send again) run once at a write(2) through fs.writeSync, as an
 * interrupt of the sender's own thread would: true if it landed.
 */
export function landing(land: () => void, f: () => void, { after = false, at = () => true }: Landing = {}): boolean {
  const writeSync = fs.writeSync;
  let landed = false;
  fs.writeSync = function (this: unknown, ...args: unknown[]) {
    if (!landed && !after && at(undefined)) {
      landed = true;
      land();
    }
    const n = Reflect.apply(writeSync, this, args) as number;
    if (!landed && after && at(n)) {
      landed = true;
      land();
    }
    return n;
  } as WriteSync;
  syncBuiltinESMExports();
  try {
    f();
  } finally {
    fs.writeSync = writeSync;
    syncBuiltinESMExports();
  }
  return landed;
}
