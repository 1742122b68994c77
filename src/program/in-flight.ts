// `pending(ms)`: the calls of a session's probes still in flight in this thread, oldest first,
// printed with their age and arguments (what `jsprobe stuck` shows). Read from the library's
// pending(), which holds each tracked call's arguments from its entry.

import { pending, type PendingCall, type Probe } from '../index.js';
import { jsonCopy } from '../agg/safe-json.js';
import { bareObject, type Output } from '../agg/print.js';
import { quote } from '../agg/safe-format.js';
import { MathRound, StringPrototypePadStart } from '../core/primordials.js';

interface InFlight {
  func: string;
  call: PendingCall;
}

/**
 * A handler that makes a return probe keep each call's arguments from its entry, for pending(),
 * and the site it entered: under a pattern, that names each call's function.
 */
export const keepArgs = (call: { args: unknown; func: string }): void => void (call.args, call.func);

/** Every call in flight of `probes` at least `olderMs` old, oldest first; calls with no record (age unknown) are left out. */
export function inFlight(probes: readonly Probe[], olderMs: number): InFlight[] {
  const out: InFlight[] = [];
  for (let i = 0; i < probes.length; i++) {
    const calls = pending(probes[i]);
    for (let j = 0; j < calls.length; j++) if (calls[j].age >= olderMs) out[out.length] = { func: calls[j].func, call: calls[j] };
  }
  // By hand: the program may have replaced Array.prototype.sort.
  for (let i = 1; i < out.length; i++) {
    const x = out[i];
    let j = i - 1;
    for (; j >= 0 && out[j].call.age < x.call.age; j--) out[j + 1] = out[j];
    out[j + 1] = x;
  }
  return out;
}

/**
 * One heading and a line per call: `  5003 ms  query('SELECT', 5)  async`. An async call is waiting
 * for the promise it returned to settle; a synchronous one is still on the stack (a callback of it
 * is running, or it runs now). JSON: one `pending` object holding every call.
 */
export function printInFlight(out: Output, str: (v: unknown) => string, calls: readonly InFlight[], olderMs: number, when: string): void {
  if (out.format === 'json') {
    const list: unknown[] = [];
    for (let i = 0; i < calls.length; i++) {
      const { func, call } = calls[i];
      const o = bareObject();
      o.func = func;
      o.age_ms = MathRound(call.age);
      o.async = call.async;
      o.tid = call.threadId;
      o.leased = call.leased;
      o.args = jsonCopy(call.args);
      list[list.length] = o;
    }
    const o = bareObject();
    o.type = 'pending';
    o.data = { time: when, older_ms: olderMs, calls: list };
    out.json(o);
    return;
  }
  const older = olderMs > 0 ? ` for ${olderMs} ms or more` : '';
  const n = calls.length === 0 ? 'no calls' : calls.length === 1 ? '1 call' : `${calls.length} calls`;
  let s = `${when} ${n} in flight${older}${calls.length > 1 ? ', oldest first' : ''}\n`;
  for (let i = 0; i < calls.length; i++) {
    const { func, call } = calls[i];
    let args = '';
    for (let j = 0; j < call.args.length; j++) args += `${j === 0 ? '' : ', '}${argText(str, call.args[j])}`;
    const how = call.async ? 'async: awaiting its promise' : 'on the stack';
    // Past its lease the call holds its arguments weakly: one the program let go of reads as undefined.
    s += `  ${StringPrototypePadStart(`${MathRound(call.age)}`, 8)} ms  ${func}(${args})  ${how}${call.leased ? '' : ', arguments held weakly'}\n`;
  }
  out.text(`${s}\n`);
}

/** An argument as a call shows it: a string quoted as watch and util.inspect quote one (`"it's"`), anything else as `%s` prints it. */
function argText(str: (v: unknown) => string, v: unknown): string {
  if (typeof v !== 'string') return str(v);
  const text = str(v);
  return quote(text, text.length);
}
