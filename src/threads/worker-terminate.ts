// A worker ended by terminate() runs none of its code from then on, so its maps since its last
// snapshot would be lost: a pool that ends its workers at shutdown (tinypool under vitest
// --pool=threads, piscina) lost every hit of a test suite shorter than the snapshot period. This
// thread's Worker.prototype.terminate first lets jsprobe take the worker's maps (bounded), then
// ends it as Node's own would.

import { Worker } from 'node:worker_threads';
import {
  defineOwn, ownDescriptor, PromiseThen, ReflectApply, SafePromise, SafeWeakMap, WeakMapPrototypeGet, WeakMapPrototypeSet,
} from '../core/primordials.js';

// As loaded: terminate() may be called at the program's end, when it may have replaced any of these.
const WorkerTerminate = Worker.prototype.terminate;
const WorkerThreadId = ownDescriptor(Worker.prototype, 'threadId')?.get;

let installed = false;
/**
 * Each worker's first wait: a second terminate() waits on it too, so that both call Node's before
 * the worker exits and settle with its exit code, as two calls of Node's do.
 */
const waits = new SafeWeakMap<object, Promise<void>>();

/**
 * Before each worker of this thread is terminated, wait for `before(tid)`, which must settle
 * (bounded) whatever the worker does. On the prototype, not on each worker: a subclass's own
 * terminate() that calls super's, and a replacement the program installs later that calls the
 * one it found, still run; the workers' own properties, and `w.terminate ===
 * Worker.prototype.terminate`, are what they were; a worker the program made non-extensible is
 * no matter. It hands back what Node's terminate() hands back, only later.
 */
export function beforeTerminate(before: (tid: number) => Promise<void>): void {
  const d = ownDescriptor(Worker.prototype, 'terminate');
  if (installed || d === undefined || d.value !== WorkerTerminate) return;
  installed = true;
  // A method, as Node's is: `new w.terminate()` is no constructor.
  const { terminate } = {
    terminate(this: unknown, ...args: unknown[]): Promise<unknown> {
      return terminateAfter(before, this, args);
    },
  };
  // Node's own length (a rest parameter makes 0) and name (the bundle may rename what it sees as a function).
  defineOwn(terminate, 'name', { value: WorkerTerminate.name });
  defineOwn(terminate, 'length', { value: WorkerTerminate.length });
  defineOwn(Worker.prototype, 'terminate', { ...d, value: terminate });
}

/** Node's terminate() on `w`, once `before` has settled for it (once for all the calls on one worker). */
function terminateAfter(before: (tid: number) => Promise<void>, w: unknown, args: unknown[]): Promise<unknown> {
  const tid = threadIdOf(w);
  // Not a worker, or one that has exited (from its 'exit' handler): Node's, at once.
  if (tid === undefined || tid < 0) return ReflectApply(WorkerTerminate, w, args) as Promise<unknown>;
  let wait = WeakMapPrototypeGet(waits, w as object) as Promise<void> | undefined;
  if (wait === undefined) {
    wait = before(tid);
    WeakMapPrototypeSet(waits, w as object, wait);
  }
  const waited = wait;
  // Settled through the captured then: resolving with Node's promise would look up its `then`, the program's to replace.
  return new SafePromise<unknown>((resolve, reject) => {
    const end = (): void => {
      try {
        PromiseThen(ReflectApply(WorkerTerminate, w, args) as Promise<unknown>, resolve, reject);
      } catch (e) {
        reject(e);
      }
    };
    PromiseThen(waited, end, end);
  });
}

/** The worker's threadId (-1 once it has exited), or undefined if `w` is not a worker. */
function threadIdOf(w: unknown): number | undefined {
  if (WorkerThreadId === undefined || typeof w !== 'object' || w === null) return undefined;
  try {
    return ReflectApply(WorkerThreadId, w, []) as number;
  } catch {
    return undefined;
  }
}
