// `--otlp` in the traced program: each call an fnret probe sees becomes a small row of a span
// record, batched into one message, for the command to export (cli/otlp.ts). Only with --otlp:
// the handler's source gets the call (withSpan) when the session is made.

import { formatValue } from '../agg/safe-format.js';
import { clearTimeoutSafe, JSONStringify, perf, PerformanceNow, ReflectApply, setTimeoutSafe, StringPrototypeSlice } from '../core/primordials.js';
import type { Message, Sender } from './messages.js';
import { safeGet, type Runtime } from './runtime.js';

/** Characters of a thrown error's message a span record keeps. */
const SPAN_MESSAGE_CHARS = 256;
// Captured at load, before the program's code runs.
const timeOrigin = perf.timeOrigin;

/** The message of what a call threw: an Error's own `message` data property, else its safe formatted form; never a getter. */
function thrownMessage(error: unknown): string {
  const m = typeof error === 'object' && error !== null ? safeGet(error, 'message') : undefined;
  const text = typeof m === 'string' ? m : formatValue(error);
  return text.length > SPAN_MESSAGE_CHARS ? `${StringPrototypeSlice(text, 0, SPAN_MESSAGE_CHARS)}…` : text;
}

/** `--otlp`: calls a batch holds at most, and how long the first waits for the batch to go. */
const SPAN_BATCH = 256;
const SPAN_BATCH_MS = 50;

/**
 * `--otlp`: what the handlers call to report a call, and flush() for the end. It only reads numbers
 * and strings jsprobe made, and the error safely; the row is JSON text made with the captured
 * JSON.stringify of strings, one message per batch.
 */
export function spanRecorder(rt: Runtime, to: Sender, usesCtx: boolean): { span: NonNullable<Runtime['span']>; flush(): void } {
  let rows = '';
  let n = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeoutSafe(timer);
    timer = undefined;
    if (n === 0) return;
    const m: Message = { t: 'spans', n, pid: rt.pid, rows: `[${rows}]` };
    rows = '';
    n = 0;
    to.send(m);
  };
  const span: NonNullable<Runtime['span']> = (elapsed, threw, error, func, target, i) => {
    const end = timeOrigin + (ReflectApply(PerformanceNow, perf, []) as number);
    const e = threw ? JSONStringify(thrownMessage(error)) as string : 'null';
    const x = usesCtx ? `${rt.ctx()}` : 'null';
    const names = `${JSONStringify(func) as string},${JSONStringify(target) as string}`;
    rows += `${n === 0 ? '' : ','}[${i},${names},${end - elapsed / 1e6},${elapsed},${rt.tid},${e},${x}]`;
    if (++n >= SPAN_BATCH) flush();
    else if (timer === undefined) {
      timer = setTimeoutSafe(flush, SPAN_BATCH_MS);
      timer.unref();
    }
  };
  return { span, flush };
}

/**
 * An fnret handler's source that also reports each call it sees (whatever its predicate says),
 * reading the call's fields plainly so that handlerUses() still sees what the handler needs. A
 * plain probe's row has an empty target: the command resolves the probe's own (cli/otlp.ts).
 */
export function withSpan(source: string, i: number, target: string): string {
  const open = 'return function ($c) {\n';
  const at = source.indexOf(open);
  if (at < 0) return source;
  // Reading a call's target costs ~2 µs: only a pattern's calls need theirs (the command knows a plain probe's).
  const call = `$rt.span($c.elapsed, $c.threw, $c.error, $c.func, ${/[*?]/.test(target) ? '$c.target' : "''"}, ${i});\n`;
  return `${source.slice(0, at + open.length)}${call}${source.slice(at + open.length)}`;
}
