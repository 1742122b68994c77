// Which worker threads this thread started have ended, terminate() included: then the worker
// itself runs nothing more, not even its own 'exit' handlers, so only its parent can tell.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { ObjectGetOwnPropertyDescriptor, ReflectApply } from '../core/primordials.js';

// As loaded: a worker starts (jsprobe's own clock thread among them) long after the program's
// first line, when it may have replaced Worker's getter or the emitters' methods.
const WorkerThreadId = ObjectGetOwnPropertyDescriptor(Worker.prototype, 'threadId')?.get;
const EventEmitterOn = EventEmitter.prototype.on;

/** Call `f(threadId)` when each worker this thread starts from now on has exited. */
export function onWorkerExit(f: (tid: number) => void): void {
  process.on('worker', (w: Worker) => {
    // Reads -1 once the worker has exited.
    const tid = (WorkerThreadId !== undefined ? ReflectApply(WorkerThreadId, w, []) : w.threadId) as number;
    // `on`, not `once`: Node's once wraps the listener by looking up `on` and bind; a worker exits once.
    ReflectApply(EventEmitterOn, w, ['exit', () => f(tid)]);
  });
}
