// jsprobe: dynamic entry and return probes for any function of a running Node.js program.
// The public API (docs/design.md, "The library"; docs/api.md in full), wired to the sites and target resolution this build has.

import { threadId } from 'node:worker_threads';
import * as core from './core/index.js';
import { resolveTarget } from './targets/resolve.js';
import * as wrap from './sites/wrap.js';
import { flush as flushLive } from './sites/live.js';
import { installRuntime, runtime } from './sites/load/runtime.js';
import { sealForCounting } from './sites/load/wanted.js';
import { installCoarseClock } from './threads/coarse-clock.js';
import * as all from './threads/all.js';
import { ownThreadsMemory } from './threads/own-threads.js';

core.setThreadId(threadId);
// Before any thread of jsprobe's starts: they are noted in it, and the program's workers inherit it.
ownThreadsMemory();
core.setTargetResolver(resolveTarget, flushLive);
core.setFaultHandler(({ probe, phase, error }) => {
  const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`jsprobe: probe '${probe.name}' ${phase} handler threw (reported once; see probe.faults): ${what}\n`);
});
core.deny(core, wrap, runtime, all);
installRuntime();
installCoarseClock();
all.installThreadsAll();

// register() and the rest as core has them, with `threads: 'all'` carried to the worker threads.
export { register, registerAll, unregister, enable, disable } from './threads/all.js';
export {
  list, pending, setArmed, setFaultHandler, callCounter,
  JsprobeError, isJsprobeError,
} from './core/index.js';
export type {
  Call, Probe, ProbeSpec, ProbeInfo, PendingCall, ProbeFault, ProbeState, ProbeTarget, PropertyTarget,
  SiteKind, SitePreference, JsprobeErrorCode, FaultHandler, CallCounter, CallCounterOptions,
} from './core/index.js';
export { listProbePoints } from './targets/probe-points.js';
export type { ProbePoint } from './targets/probe-points.js';

/**
 * Registration is done: every probe of this thread only counts (a `callCounter()` as its one
 * handler), and from now on `register()` refuses any other. Modules loaded after it count their
 * calls in place, as under `jsprobe -c` (docs/api.md, "Counting calls"). Throws, sealing nothing,
 * when a probe does more than count.
 */
export function seal(): void {
  const not = sealForCounting("registration is sealed (seal()): this thread's probes only count, and no other can be registered");
  if (not !== null) throw new core.JsprobeError('JSPROBE_E_UNSUPPORTED', `seal(): ${not}`);
}
