// Work put off to a promise job, for code that may run as a V8 interrupt: `-p`'s entry points and
// the busy Ctrl-C stop run inside an inspector message, which V8 runs wherever the busy thread
// happens to be, in the middle of Node's own JavaScript (its timer lists, an emitter's listeners,
// a stream) as much as the program's. Node's code is not written to be re-entered there: a timer
// inserted inside Node's own insert() left a list in the timer heap that the map no longer held,
// and the thread spun in processTimers for good. What touches Node's JavaScript state (timers,
// process.on/off, emitters, streams, module loading) goes through here instead; the job runs at
// Node's next microtask checkpoint, where the program's own callbacks run too (at once when the
// thread was idle, after the current callback when it was busy). docs/attach.md, "What runs as
// an interrupt", states the rule.

import { defineOwn, PromisePrototypeThen, ReflectApply, SafePromise } from './primordials.js';

const settled = SafePromise.resolve();
// `then` looks up the promise's constructor and its Symbol.species (Promise.prototype's and
// Promise's, which the program may replace, a getter included): with its own `constructor`
// undefined, it takes the built-in Promise without a lookup.
defineOwn(settled, 'constructor', { value: undefined });

/**
 * Run `work` in a promise job, not here. A throw is dropped: it would be an unhandled rejection,
 * which ends the program, and jsprobe's own mistakes must never end the program it traces.
 */
export function inJob(work: () => void): void {
  ReflectApply(PromisePrototypeThen, settled, [() => {
    try {
      work();
    } catch {
      // See above: nothing of jsprobe's may end the program.
    }
  }]);
}

/** Where work that touches Node's own state is done: inJob from what may be an interrupt, else atOnce. */
export type Later = (work: () => void) => void;

/** Work done here and now: the default of whoever takes a `Later`. */
export const atOnce: Later = (work) => work();
