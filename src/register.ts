// `node --import jsprobe/register app.js`: install the load hooks before the program loads, so
// that probes on code that has not loaded yet get load sites as it loads. Files named in
// JSPROBE_LOAD_SITES (comma-separated globs) get a site on every function, armed or not.
//
// CommonJS goes through Module.prototype._compile (require, import of CommonJS, tsx's .ts). ES
// modules go through a load hook: module.registerHooks (in this thread) where Node has it
// (>= 22.15), else module.register, whose hooks Node 20 runs on a thread of their own.

import module from 'node:module';
import { installCjsHook } from './sites/hooks/cjs.js';
import { initialize, rewriteLoaded } from './sites/hooks/esm.js';
import { failureLogMemory } from './sites/hooks/failures.js';
import { currentWanted, loadedLog, setHooked, wantedList } from './sites/load/wanted.js';
import { ownThreadsMemory } from './threads/own-threads.js';
import { noProto } from './core/primordials.js';
import './index.js';

type LoadResult = Parameters<typeof rewriteLoaded>[1];
type SyncLoad = (url: string, context: { format?: string | null }, next: (url: string, context?: unknown) => LoadResult) => LoadResult;
/** Set in the agent's bundle (scripts/bundle.mjs), where the hooks thread's file is beside it. */
declare const JSPROBE_HOOKS_THREAD: string | undefined;
const hooksThread = typeof JSPROBE_HOOKS_THREAD === 'string' ? JSPROBE_HOOKS_THREAD : './threads/hooks-thread.js';
const registerHooks = (module as unknown as { registerHooks?: (hooks: { load: SyncLoad }) => unknown }).registerHooks;

installCjsHook(currentWanted);
const data = { wanted: wantedList.sab, loaded: loadedLog.sab, failed: failureLogMemory() };
if (typeof registerHooks === 'function') {
  initialize(data);
  const load: SyncLoad = (url, context, next) => rewriteLoaded(url, next(url, context));
  registerHooks(noProto({ load }));
} else {
  // The hooks thread notes itself as jsprobe's own: `tid` leaves it out (threads/own-threads.ts).
  module.register(new URL(hooksThread, import.meta.url), noProto({ data: { ...data, own: ownThreadsMemory() } }));
}
setHooked();
