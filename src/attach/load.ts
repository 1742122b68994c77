// What the one Runtime.evaluate of `jsprobe -p` loads (bundled small, as build/attach-load.cjs):
// it starts the channel thread first, and only then requires the runtime proper
// (build/attach-runtime.cjs, remote.ts), so that the thread boots while the main thread compiles
// the runtime. The inspector port is open until that thread has connected: this is its window.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LoadOptions } from '../program/messages.js';
import { noteOwnThread, ownThreadsMemory } from '../threads/own-threads.js';
import { Ring } from '../threads/ring.js';
import { CHANNEL_THREAD_NAME, type ChannelData } from './channel-data.js';

/** The main thread's ring: 1 MiB of events between two drains (every 20 ms) before any is lost. */
const RING_BYTES = 1 << 20;

/** Start the channel thread, which connects out to the command's socket; then set up the runtime. Synchronous. */
export function load(options: LoadOptions): string {
  const ring = Ring.create(RING_BYTES);
  const state = new SharedArrayBuffer(8);
  const name = `__jsprobe_channel_${randomBytes(12).toString('hex')}`;
  // This file runs only as build/attach-load.cjs: the other two bundles are beside it.
  const bundle = fileURLToPath(new URL('./attach-runtime.cjs', import.meta.url));
  const data: ChannelData = { jsprobeChannel: true, socket: options.socket, name, ring: ring.sab, state, bundle, closeInspector: options.closeInspector,
    ownThreads: ownThreadsMemory() };
  const worker = new Worker(new URL('./attach-channel.cjs', import.meta.url), { workerData: data, name: CHANNEL_THREAD_NAME });
  noteOwnThread(worker.threadId);
  worker.unref();
  // An unhandled 'error' would end the target: a channel thread that fails leaves the command waiting, and it says so.
  worker.on('error', () => {});
  // Before the channel thread's first request: it reaches the runtime through this hidden global.
  (createRequire(import.meta.url)(bundle) as typeof import('./remote.js')).install(ring.sab, state, name);
  return name;
}
