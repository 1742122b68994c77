// What module.register loads on Node 20, which runs module hooks on a thread of its own: the ES
// module load hook (sites/hooks/esm.ts), and that thread noted as jsprobe's (own-threads.ts).
// register() waits for initialize(), so the thread is noted before the program can start one.

import { threadId } from 'node:worker_threads';
import { initialize as initializeHooks, type InitData } from '../sites/hooks/esm.js';
import { noteOwnThread } from './own-threads.js';

export function initialize(data: InitData & { own: SharedArrayBuffer }): void {
  noteOwnThread(threadId, data.own);
  initializeHooks(data);
}

export { load } from '../sites/hooks/esm.js';
