// What a session says of the hits its probes' breakpoint sites did not handle: while it runs, a
// line when a site passes its ceiling and rests (at most one a second), and at the end, per probe,
// how many hits it saw, about how many its sites hid while off, and its missed hits
// (sites/breakpoint-rest.ts). Without these, a probe over the ceiling printed counts short by
// thousands and nothing said why; with the missed hits alone (one a rest), "1 of 1421 missed" read
// as all but complete where 61% of the calls went unseen.

import { now } from '../core/clock.js';
import { MathRound } from '../core/primordials.js';
import { ProbeHandle } from '../core/probe.js';
import type { Probe } from '../index.js';
import type { ProbeSite } from '../core/index.js';
import { breakpointCeiling, breakpointOffTime } from '../sites/breakpoint.js';
import { breakpointBudget, onRest, REST_MS } from '../sites/breakpoint-rest.js';

const EVERY_MS = 1000;

function ceilingText(): string {
  return `(JSPROBE_BREAKPOINT_RATE, ${breakpointCeiling()} hits a second, or ${breakpointBudget()} ms of the thread's time a second)`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What the estimate of hits not seen rests on, said where it is given. */
const ESTIMATED = 'an estimate: the rate of hits it saw just before each rest, times the time off';

/** From now on, say each rest of a breakpoint site (at most once a second; the end gives the totals). */
export function sayRests(warn: (s: string) => void): void {
  let saidAt = -Infinity;
  onRest((site: ProbeSite, rate: number) => {
    const t = now();
    if (t - saidAt < EVERY_MS) return;
    saidAt = t;
    const perSecond = MathRound(rate * 1000);
    for (let i = 0; i < site.probes.length; i++) {
      const p = site.probes[i];
      warn(`jsprobe: ${p.name}: its breakpoint site passed its ceiling ${ceilingText()}: off for ${REST_MS} ms, its hits then not seen: ` +
        `~${MathRound(rate * REST_MS)} at the ${perSecond} a second it saw before (an estimate; ${plural(p.missed, 'hit')} missed so far)\n`);
    }
  });
}

/** At the end: each probe on breakpoint sites that missed hits, or whose sites were off, says how many and how long. */
export function reportMisses(handles: readonly Probe[], warn: (s: string) => void): void {
  onRest(null);
  // By index: at exit the program may have replaced Array's iterator.
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i];
    const core = ProbeHandle.core(h);
    if (core === undefined) continue;
    let sites = 0;
    let offs = 0;
    let offMs = 0;
    let unseen = 0;
    for (let j = 0; j < core.sites.length; j++) {
      const t = breakpointOffTime(core.sites[j]);
      if (t === undefined) continue;
      sites++;
      offs += t.offs;
      offMs += t.offMs;
      unseen += t.unseen;
    }
    const missed = h.missed;
    if (sites === 0 || (missed === 0 && offs === 0)) continue;
    const over = `over the ceiling of a breakpoint site ${ceilingText()}`;
    if (offs === 0) {
      warn(`jsprobe: ${h.name}: ${missed} of its ${plural(h.hits, 'hit')} missed, ${over}\n`);
      continue;
    }
    warn(`jsprobe: ${h.name}: ${offLine(h.hits - missed, missed, MathRound(unseen), sites, offs, offMs)}, ${over}: its counts are lower bounds\n`);
  }
}

/**
 * What went unseen first, then how: `seen` hits handled, `missed` past the ceiling, about `unseen`
 * while its `sites` were off `offs` times, `offMs` in all.
 */
export function offLine(seen: number, missed: number, unseen: number, sites: number, offs: number, offMs: number): string {
  const all = seen + missed + unseen;
  const share = all === 0 ? 0 : MathRound((100 * seen) / all);
  const its = sites === 1 ? 'its breakpoint site was' : `its ${sites} breakpoint sites were`;
  return `saw ${seen} of ~${all} hits (${share}%): ~${unseen} not seen while ${its} off (${plural(offs, 'time')}, ${MathRound(offMs)} ms in all; ` +
    `${ESTIMATED}), and ${missed} missed`;
}
