// Which worker threads this thread started have ended, terminate() included: then the worker
// itself runs nothing more, not even its own 'exit' handlers, so only its parent can tell.

/** Call `f(threadId)` when each worker this thread starts from now on has exited. */
export function onWorkerExit(f: (tid: number) => void): void {
  process.on('worker', (w: { threadId: number; once(e: 'exit', g: () => void): unknown }) => {
    const tid = w.threadId; // reads -1 once the worker has exited
    w.once('exit', () => f(tid));
  });
}
