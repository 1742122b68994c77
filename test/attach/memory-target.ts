// The target of the attach memory measurements (test/fixtures/attach/memory.cjs, with --expose-gc):
// started, and asked for its memory after full collections (test/attach/memory.test.ts and
// bench:attach:memory).

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

export const MEMORY_TARGET = join(ROOT, 'test/fixtures/attach/memory.cjs');

export interface Memory { rss: number; heapUsed: number; external: number; arrayBuffers: number }

export class MemoryTarget {
  readonly child: ChildProcess;
  readonly pid: Promise<number>;
  #waiters: ((line: string) => void)[] = [];

  constructor() {
    this.child = spawnTracked(process.execPath, ['--expose-gc', MEMORY_TARGET], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.resume();
    let buffered = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.#waiters.shift()?.(line);
      }
    });
    this.pid = this.#next().then((l) => (JSON.parse(l) as { pid: number }).pid);
  }

  #next(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** "mem", or "snap PATH" (a heap snapshot first): its memory after full collections. */
  async ask(command: string): Promise<Memory> {
    const line = this.#next();
    this.child.stdin!.write(`${command}\n`);
    return JSON.parse(await line) as Memory;
  }
}
