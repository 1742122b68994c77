// `--otlp` in the traced program: each call an fnret probe sees becomes a few numbers of a span
// batch, sent as one message, for the command to export (cli/otlp.ts). Only with --otlp:
// the handler's source gets the call (withSpan) when the session is made.

import { formatValue } from '../agg/safe-format.js';
import { CUT_MARKER, readable } from '../agg/safe-strlen.js';
import { Buffer } from 'node:buffer';
import {
  clearTimeoutSafe, JSONStringify, ObjectCreate, ReflectApply, setTimeoutSafe, StringPrototypeSlice,
} from '../core/primordials.js';
import { now } from '../core/index.js';
import type { Message, Sender } from './messages.js';
import { safeGet, type Runtime } from './runtime.js';

/** Characters of a thrown error's message a span record keeps. */
const SPAN_MESSAGE_CHARS = 256;

/** The message of what a call threw: an Error's own `message` data property, else its safe formatted form; never a getter. */
function thrownMessage(error: unknown): string {
  const m = typeof error === 'object' && error !== null ? safeGet(error, 'message') : undefined;
  // A message too long to read is not read (agg/safe-strlen.ts).
  const text = typeof m === 'string' ? readable(m) ?? CUT_MARKER : formatValue(error);
  return text.length > SPAN_MESSAGE_CHARS ? `${StringPrototypeSlice(text, 0, SPAN_MESSAGE_CHARS)}…` : text;
}

/** `--otlp`: calls a batch holds at most, and how long the first waits for the batch to go. */
const SPAN_BATCH = 256;
const SPAN_BATCH_MS = 50;
const BufferFrom = Buffer.from;
const SafeFloat64Array = Float64Array;
const SafeArrayBuffer = ArrayBuffer;
const base64Slice = (Buffer.prototype as unknown as { base64Slice: Function }).base64Slice;

/**
 * `--otlp`: what the handlers call to report a call, and flush() for the end. It only reads numbers
 * and strings jsprobe made, and the error safely. A call costs three or four stores into a
 * Float64Array: its kind (probe, function, target, error, written once a batch as JSON), its end
 * (its start, as the dispatcher timed it, plus `elapsed`), its duration, and `ctx` when the program
 * reads it. The batch goes as that array's bytes in base64 (SpanBatch in messages.ts): writing its
 * numbers as decimal text cost ~0.5 µs a call (docs/benchmarks.md, "bench:otlp").
 */
export function spanRecorder(rt: Runtime, to: Sender, usesCtx: boolean): { span: NonNullable<Runtime['span']>; flush(): void } {
  const stride = usesCtx ? 4 : 3;
  // A span's times are core's clock's (core/clock.ts), whose base is not the epoch: what to add to
  // them for ms since the epoch, read once the session records spans, not as jsprobe loads, where
  // reading `performance` would load node:perf_hooks in every traced process.
  const timeOrigin = performance.timeOrigin + performance.now() - now();
  const raw = new SafeArrayBuffer(SPAN_BATCH * stride * 8);
  const nums = new SafeFloat64Array(raw);
  const bytes = BufferFrom(raw);
  let n = 0;
  /** The batch's kinds (four numbers each) and strings, as JSON text, and how many of each. */
  let kinds = '';
  let nKinds = 0;
  let strings = '';
  let nStrings = 0;
  /** The first call's end (ms on this thread's clock): the others' ends are ns after it. */
  let t0 = 0;
  // Per probe, the kind of its last call that returned, while `batch` is current: a plain probe's is
  // written once a batch. Without a prototype: no read or write here can meet an accessor of the program's.
  const last = ObjectCreate(null) as Record<number, { func: string; target: string; kind: number; batch: number }>;
  let batch = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const string = (s: string): number => {
    strings += `${nStrings === 0 ? '' : ','}${JSONStringify(s) as string}`;
    return nStrings++;
  };
  const kind = (i: number, func: string, target: string, error: number): number => {
    kinds += `${nKinds === 0 ? '' : ','}${i},${string(func)},${target === '' ? -1 : string(target)},${error}`;
    return nKinds++;
  };
  const flush = (): void => {
    if (timer !== undefined) clearTimeoutSafe(timer);
    timer = undefined;
    if (n === 0) return;
    const calls = ReflectApply(base64Slice, bytes, [0, n * stride * 8]) as string;
    const rows = `[${rt.tid},${timeOrigin + t0},${stride},[${kinds}],[${strings}],"${calls}"]`;
    const m: Message = { t: 'spans', n, pid: rt.pid, rows };
    n = 0;
    kinds = strings = '';
    nKinds = nStrings = 0;
    batch++;
    to.send(m);
  };
  const span: NonNullable<Runtime['span']> = (elapsed, threw, error, func, target, i, start) => {
    // The call's end from its own timing: a second clock read cost as much as the rest of the call's record.
    const t = start === start && elapsed === elapsed ? start + elapsed / 1e6 : now();
    if (n === 0) t0 = t;
    let k: number;
    const l = last[i];
    if (threw) k = kind(i, func, target, string(thrownMessage(error)));
    else if (l !== undefined && l.batch === batch && l.func === func && l.target === target) k = l.kind;
    else {
      k = kind(i, func, target, -1);
      last[i] = { func, target, kind: k, batch };
    }
    const at = n * stride;
    nums[at] = k;
    nums[at + 1] = (t - t0) * 1e6;
    nums[at + 2] = elapsed;
    if (usesCtx) nums[at + 3] = rt.ctx();
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
  // $c.t0: the call's start as the dispatcher timed it (ms on this thread's clock; NaN when untimed).
  const call = `$rt.span($c.elapsed, $c.threw, $c.error, $c.func, ${/[*?]/.test(target) ? '$c.target' : "''"}, ${i}, $c.t0);\n`;
  return `${source.slice(0, at + open.length)}${call}${source.slice(at + open.length)}`;
}
