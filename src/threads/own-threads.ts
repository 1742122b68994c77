// jsprobe's own threads (the -p channel thread, the profile tick thread, Node 20's module hooks thread, the
// coarse clock), noted as each starts, so that `tid` numbers only the program's threads: a worker's
// tid is the threadId it would have had without jsprobe, the same under -c and -p (docs/cli.md).
// Node hands out threadIds from one counter, in the order threads are created, so that number is
// the worker's threadId less jsprobe's threads created before it. The list is one
// SharedArrayBuffer per process, found in the environment data that every worker inherits.

import { lazyBuiltin } from '../sites/builtin.js';

// At the first use: the command's print at the end imports this module and never asks it (its
// END runs with tid 0), and node:worker_threads costs ~1.2 ms on Node 24 even after node:net.
const workerThreads = lazyBuiltin<typeof import('node:worker_threads')>('node:worker_threads');

// Captured at load: programThreadId() runs at exit too, when the program may have replaced them.
const { add: AtomicsAdd, load: AtomicsLoad, store: AtomicsStore } = Atomics;
const SafeInt32Array = Int32Array;

const KEY = 'jsprobe:own-threads';
/** Int32 words: [0] how many are noted, then their threadIds. Past the capacity, more are not noted. */
const CAPACITY = 4096;

let memory: SharedArrayBuffer | undefined;

/** This process's list: the one this thread inherited, or a new one that the threads it starts inherit. */
export function ownThreadsMemory(): SharedArrayBuffer {
  if (memory !== undefined) return memory;
  const { getEnvironmentData, setEnvironmentData } = workerThreads();
  const found = getEnvironmentData(KEY);
  if (found instanceof SharedArrayBuffer) memory = found;
  else {
    memory = new SharedArrayBuffer(4 * (CAPACITY + 1));
    setEnvironmentData(KEY, memory);
  }
  return memory;
}

/** Note a thread jsprobe started (by its threadId), in `into` or this process's list. */
export function noteOwnThread(id: number, into: SharedArrayBuffer = ownThreadsMemory()): void {
  const words = new SafeInt32Array(into);
  const at = AtomicsAdd(words, 0, 1);
  if (at < CAPACITY) AtomicsStore(words, at + 1, id);
}

/** The program's number for thread `id`: 0 for the main thread, n for the nth thread the program started. */
export function programThreadId(id: number = workerThreads().threadId, own: SharedArrayBuffer = ownThreadsMemory()): number {
  const words = new SafeInt32Array(own);
  const noted = AtomicsLoad(words, 0);
  const n = noted < CAPACITY ? noted : CAPACITY;
  let before = 0;
  for (let i = 1; i <= n; i++) if (AtomicsLoad(words, i) < id) before++;
  return id - before;
}

/**
 * How a message names a worker: by its tid, the number the maps key it by and the program knows it
 * by (a raw threadId counts jsprobe's threads too, and is neither). `id` is its threadId (this thread's by default).
 */
export function workerName(id: number = workerThreads().threadId, own: SharedArrayBuffer = ownThreadsMemory()): string {
  return `worker thread (tid ${programThreadId(id, own)})`;
}
