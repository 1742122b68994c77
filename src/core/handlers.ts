// The state handlers share on one thread, and the cold side of running them: the kernel's rule
// for nested probes (a hit inside a handler of the same thread is missed, not handled) needs one
// flag; fault isolation (a throwing handler is counted and reported once, and never changes what
// the probed call returns or throws) needs a reporter.

import type { ProbeCore } from './probe.js';
import type { ProbeFault } from './types.js';
import type { CallField } from './handler-use.js';
import { JsprobeError } from './errors.js';

/** `busy`: a handler of this thread is running. One object, so every copy of dispatch shares it. */
export const thread = { busy: false };

export type FaultHandler = (fault: ProbeFault) => void;

let faultHandler: FaultHandler = () => {};

/** Where the first fault of each probe is reported. The entry point installs a stderr reporter. */
export function setFaultHandler(handler: FaultHandler): void {
  faultHandler = handler;
}

/** A handler of `p` threw `error`. */
export function fault(p: ProbeCore, phase: 'entry' | 'return', error: unknown): void {
  p.faults++;
  if (p.faultReported) return;
  p.faultReported = true;
  report(p, phase, error);
}

function report(p: ProbeCore, phase: 'entry' | 'return', error: unknown): void {
  const was = thread.busy;
  thread.busy = true;
  try {
    faultHandler({ probe: p.handle, phase, error });
  } catch {
    // A reporter that throws has nowhere left to report to.
  }
  thread.busy = was;
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
