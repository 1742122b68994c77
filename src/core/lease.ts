// Leases on deferred calls (docs/design.md, "Leases for returns that take long"): a call that has not settled after
// its probe's leaseMs is downgraded. It then holds `this` and `args` weakly and no longer delays
// a grace period. One coarse timer serves every probe (undici's shared timers), and it runs only
// while some probe has deferred calls in flight.

import { PENDING, UNSTAMPED } from './call.js';
import { now } from './clock.js';
import type { ProbeCore } from './probe.js';
import { clearTimeoutSafe, MathMax, MathMin, SafeSet, setTimeoutSafe } from './primordials.js';

const watched = new SafeSet<ProbeCore>();
let timer: ReturnType<typeof setTimeout> | null = null;

/** Sweep often enough that a lease ends at most a quarter of its length late. */
function tickFor(leaseMs: number): number {
  return MathMax(5, MathMin(1000, leaseMs / 4));
}

function tickMs(): number {
  let min = Infinity;
  for (const p of watched) min = MathMin(min, p.leaseMs);
  return tickFor(min);
}

/** When the scheduled sweep runs (now()-based ms), or Infinity with none scheduled. */
let due = Infinity;

function schedule(): void {
  if (timer !== null) clearTimeoutSafe(timer);
  const ms = tickMs();
  due = now() + ms;
  timer = setTimeoutSafe(sweep, ms);
  timer.unref();
}

export function watchLeases(p: ProbeCore): void {
  p.watched = true;
  watched.add(p);
  // Reschedule only to sweep sooner: pushing the sweep back on every new watcher would, under a
  // steady stream of them, keep it from ever running (found by npm run stress: the set grew).
  if (timer === null || now() + tickFor(p.leaseMs) < due) schedule();
}

export function sweep(): void {
  timer = null;
  due = Infinity;
  const t = now();
  for (const p of watched) {
    if (p.inflight === 0 || p.retired) {
      p.watched = false;
      watched.delete(p);
      continue;
    }
    // By index: the program may have replaced Array's iterator by now.
    for (let i = 0; i < p.records.length; i++) {
      const c = p.records[i];
      if (c.state !== PENDING || !c.leased) continue;
      if (c.leaseStart === UNSTAMPED) c.leaseStart = t;
      else if (t - c.leaseStart >= p.leaseMs) {
        c.downgrade();
        p.downgraded++;
      }
    }
    if (p.onDrain !== null && p.inflight === p.downgraded) p.onDrain();
  }
  if (watched.size > 0) schedule();
}

/** Probes whose leases are being watched (retired ones leave at the next sweep). @internal */
export function watchedCount(): number {
  return watched.size;
}
