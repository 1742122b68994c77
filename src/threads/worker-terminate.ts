// A worker ended by terminate() runs none of its code from then on, so its maps since its last
// snapshot would be lost: a pool that ends its workers at shutdown (tinypool under vitest
// --pool=threads, piscina) lost every hit of a test suite shorter than the snapshot period. Each
// worker this thread starts gets a terminate() of its own that first lets jsprobe take the
// worker's maps (bounded), then ends it as Node's own would.

import { Worker } from 'node:worker_threads';
import { defineOwn, ObjectGetOwnPropertyDescriptor, PromiseThen, ReflectApply } from '../core/primordials.js';

// As loaded: terminate() may be called at the program's end, when it may have replaced any of these.
const WorkerTerminate = Worker.prototype.terminate;
const WorkerThreadId = ObjectGetOwnPropertyDescriptor(Worker.prototype, 'threadId')?.get;

/**
 * Before each worker this thread starts from now on is terminated, wait for `before(tid)`, which
 * must settle (bounded) whatever the worker does. The worker's own `terminate` property is not
 * enumerable, so the program's `Object.keys(worker)` is what it was; it hands back what Node's
 * terminate() hands back, only later.
 */
export function beforeTerminate(before: (tid: number) => Promise<void>): void {
  process.on('worker', (w: Worker) => {
    const tid = (WorkerThreadId !== undefined ? ReflectApply(WorkerThreadId, w, []) : w.threadId) as number;
    if (ObjectGetOwnPropertyDescriptor(w, 'terminate') !== undefined) return;
    const terminate = function (this: unknown, ...args: unknown[]): Promise<number> {
      // Taken to another worker (`terminate.call(other)`): Node's, at once.
      if (this !== w) return ReflectApply(WorkerTerminate, this, args) as Promise<number>;
      const end = (): Promise<number> => ReflectApply(WorkerTerminate, w, args) as Promise<number>;
      return PromiseThen(before(tid), end, end) as Promise<number>;
    };
    defineOwn(w, 'terminate', { value: terminate, writable: true, configurable: true, enumerable: false });
  });
}
