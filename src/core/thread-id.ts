// The thread this copy of core runs in. Core does not import node:worker_threads; the entry point
// sets it once at load.

let current = 0;

export function threadId(): number {
  return current;
}

export function setThreadId(id: number): void {
  current = id;
}
