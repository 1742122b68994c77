// Core: probe registry, snapshots, call pools, return tracking, leases and grace periods.
// No I/O, no inspector, no parser: the layers below plug in through this interface.

export {
  register, registerAll, unregister, enable, disable, list, pending, setArmed, isArmed, counters, setTargetResolver, handlerFault, sealCounting,
  siteNotes,
} from './registry.js';
export type { Resolution, TargetResolver } from './registry.js';
export { dispatchFor, shared } from './dispatch.js';
export type { Dispatch } from './dispatch.js';
export type { CountKind } from './probe.js';
export { ProbeSite, Snapshot } from './site.js';
export type { SiteBackend, SiteOptions } from './site.js';
export { asHandler, setFaultHandler, thread, whenNoHandler } from './handlers.js';
export { BLIND } from './call.js';
export { countsLike, CountCell } from './counter.js';
export { counting, creditCounts, keepCounts } from './count-mode.js';
export type { Counter } from './counter.js';
export { callCounter } from './call-counter.js';
export type { CallCounter, CallCounterOptions } from './call-counter.js';
export type { FaultHandler } from './handlers.js';
export { addGraceHook } from './grace.js';
export { setThreadId } from './thread-id.js';
export { setProbeClock, setTimingHook, now, probeNow } from './clock.js';
export { deny, isDenied, assertNotDenied } from './deny.js';
export { JsprobeError, isJsprobeError } from './errors.js';
export type { JsprobeErrorCode } from './errors.js';
export { closeMatches, didYouMean } from './close-matches.js';
export type * from './types.js';
export { watchedCount } from './lease.js';
export { THROWN_UNSEEN, THROWN_UNSEEN_TEXT } from './unseen-throw.js';
