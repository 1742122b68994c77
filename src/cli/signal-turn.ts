// One more turn of the event loop at its end, so that a signal the program sends itself as its
// last act (`process.kill(process.pid, 'SIGINT')`, as a CLI that forwards a child's signal does)
// reaches jsprobe's listener for it. Node runs a signal's listeners on a turn of the loop, and the
// loop ends without another turn when nothing else holds it: with jsprobe's listener in place, the
// signal was lost and the program exited 0, where without jsprobe the signal ends it.

import { setImmediateSafe } from '../core/primordials.js';

/** Install it; returns what takes it off again (a detach). */
export function turnForLastSignal(): () => void {
  let turned = false;
  const onBeforeExit = (): void => {
    // Only where the program has no 'beforeExit' listener of its own: one more turn would run it twice.
    if (turned || process.listenerCount('beforeExit') !== 1) return;
    turned = true;
    setImmediateSafe(() => {});
  };
  process.on('beforeExit', onBeforeExit);
  return () => void process.off('beforeExit', onBeforeExit);
}
