// The state handlers share on one thread, and the cold side of running them: the kernel's rule
// for nested probes (a hit inside a handler of the same thread is missed, not handled) needs one
// flag; fault isolation (a throwing handler is counted and reported once, and never changes what
// the probed call returns or throws) needs a reporter; a read of the maps that lands inside a
// handler (an interrupt: a detach, a stop) waits for the handler's end (whenNoHandler).

import type { ProbeCore } from './probe.js';
import type { ProbeFault } from './types.js';
import type { CallField } from './handler-use.js';
import { creditCounts, setAfterCredit } from './count-mode.js';
import { JsprobeError } from './errors.js';

/**
 * `busy`: a handler of this thread is running. `asked`: work waits for it to end (whenNoHandler).
 * One object, so every copy of dispatch shares it.
 */
export const thread = { busy: false, asked: false };

/** What whenNoHandler put off, in the order asked; run by afterHandler. */
let waiting: (() => void)[] = [];

/**
 * Run `work` now if no handler of this thread is running, else as soon as the outermost one has
 * returned (or thrown). For what an interrupt runs (V8 takes one at any function entry or loop
 * back-edge, a handler's included) and must not see the middle of a handler: the maps read
 * between two updates of one hit disagree (`@calls` one ahead of `@all`). A handler always ends
 * (the language has no unbounded loop, a fault is caught), so the work always runs, unless the
 * process ends first; where the asker must answer now, it asks again for the outcome
 * (attach/remote.ts). Returns whether `work` ran now. A throw of `work` is dropped either way.
 */
export function whenNoHandler(work: () => void): boolean {
  if (!thread.busy) {
    runDropping(work);
    return true;
  }
  waiting[waiting.length] = work;
  thread.asked = true;
  return false;
}

/** Called by the hot path where a handler's busy flag comes down and `thread.asked` is set. */
export function afterHandler(): void {
  if (thread.busy) return; // an outer handler is still running: it calls this again
  thread.asked = false;
  const works = waiting;
  waiting = [];
  for (let i = 0; i < works.length; i++) runDropping(works[i]);
}

// A credit asks maps for cells as a handler would (busy): what it put off runs after it.
setAfterCredit(() => {
  if (thread.asked) afterHandler();
});

/**
 * Run `block`, a part of the program that is no probe's handler (BEGIN, END, an interval, a
 * profile slice's samples), as a handler runs: a read that lands inside it waits for its end, as
 * for a handler (an interval's `@x = @a; clear(@a)` read between its two steps lost `@a`), and a
 * hit inside it is missed. A throw of `block` goes on to the caller, after the put-off work.
 */
export function asHandler(block: () => void): void {
  const was = thread.busy;
  // What the sites counted in place goes to the maps before a block may read them (count-mode.ts).
  if (!was) creditCounts();
  thread.busy = true;
  try {
    block();
  } finally {
    thread.busy = was;
    if (thread.asked) afterHandler();
  }
}

function runDropping(work: () => void): void {
  try {
    work();
  } catch {
    // What is put off here is jsprobe's own; it must not end up in the program's call.
  }
}

export type FaultHandler = (fault: ProbeFault) => void;

let faultHandler: FaultHandler = () => {};

/** Where the first fault of each probe is reported. The entry point installs a stderr reporter. */
export function setFaultHandler(handler: FaultHandler): void {
  faultHandler = handler;
}

/** A handler of `p` threw `error`. */
export function fault(p: ProbeCore, phase: 'entry' | 'return', error: unknown): void {
  p.faults++;
  if (!p.faultReported) {
    p.faultReported = true;
    report(p, phase, error);
  }
  // Here, for an entry's fault (its busy flag is down already): its hot path keeps one check.
  if (thread.asked) afterHandler();
}

function report(p: ProbeCore, phase: 'entry' | 'return', error: unknown): void {
  try {
    asHandler(() => faultHandler({ probe: p.handle, phase, error }));
  } catch {
    // A reporter that throws has nowhere left to report to.
  }
}

/**
 * A handler read a call field that its source did not show (see handler-use.ts). Not a fault of
 * the handler: reported once, through the same channel, and the probe keeps the field from now on.
 */
export function reportUnseenRead(p: ProbeCore, field: CallField): void {
  const error = new JsprobeError('JSPROBE_E_UNSEEN_READ',
    `a handler of probe '${p.name}' read call.${field} through code jsprobe could not see, ` +
    `so that one call saw ${field === 'elapsed' ? 'NaN' : 'undefined'}; ` +
    `it is kept from now on. Read it in the handler itself (call.${field}) to have it from the first call.`);
  report(p, p.onReturn !== null ? 'return' : 'entry', error);
}
