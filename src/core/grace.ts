// The grace period of unregister (synchronize_rcu in unregister_kprobe): once it ends, no handler
// of the probe runs again, in any thread. It waits for handlers running now to return and for
// leased deferred calls to settle, but never past their leases: a call that never settles cannot
// hold an unregister hostage.

import { ACTIVE, GONE, PENDING, UNSTAMPED } from './call.js';
import { now } from './clock.js';
import type { ProbeCore } from './probe.js';
import { MathMax, SafePromise, setImmediateSafe, setTimeoutSafe, clearTimeoutSafe } from './primordials.js';

/** Extra waits a grace period must include, such as a round trip to every worker thread. */
export type GraceHook = (p: ProbeCore) => Promise<void>;
const hooks: GraceHook[] = [];

export function addGraceHook(hook: GraceHook): void {
  hooks[hooks.length] = hook;
}

// Loops by index in this file: a grace period runs when jsprobe detaches under -p (and when the
// library unregisters), long after the program may have replaced Array's iterator.

/** When the last lease of a still-leased deferred call of `p` runs out (ms), or -Infinity. */
function lastLeaseEnd(p: ProbeCore): number {
  let end = -Infinity;
  const t = now();
  for (let i = 0; i < p.records.length; i++) {
    const c = p.records[i];
    if (c.state !== PENDING || !c.leased) continue;
    if (c.leaseStart === UNSTAMPED) c.leaseStart = t; // not seen by a sweep yet: it starts now at the latest
    end = MathMax(end, c.leaseStart + p.leaseMs);
  }
  return end;
}

function leasesSettled(p: ProbeCore): Promise<void> {
  const end = lastLeaseEnd(p);
  // Not SafePromise.resolve: Promise's own `resolve`, looked up when called, may be the program's by now.
  if (end === -Infinity || p.inflight === p.downgraded) return new SafePromise<void>((resolve) => resolve());
  return new SafePromise<void>((resolve) => {
    const timer = setTimeoutSafe(done, MathMax(0, end - now()));
    function done(): void {
      clearTimeoutSafe(timer);
      p.onDrain = null;
      resolve();
    }
    p.onDrain = done;
  });
}

export async function gracePeriod(p: ProbeCore): Promise<void> {
  // Handlers of this thread that are running now (unregister may be called from one) return
  // before the next macrotask.
  await new SafePromise<void>((resolve) => setImmediateSafe(resolve));
  for (let i = 0; i < hooks.length; i++) await hooks[i](p);
  await leasesSettled(p);
  retire(p);
}

/** No handler of `p` runs from now on; calls still in flight end GONE. */
export function retire(p: ProbeCore): void {
  p.retired = true;
  for (let i = 0; i < p.records.length; i++) {
    const c = p.records[i];
    if (c.state === PENDING || c.state === ACTIVE) {
      c.state = GONE;
      c.clear();
      p.gone++;
    }
  }
  p.inflight = 0;
  p.downgraded = 0;
  p.free = null;
  p.records = [];
}
