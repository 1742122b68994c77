// `--otlp`: a batch of calls from the traced program (program/spans.ts) as the SDK's finished
// spans, ready for its span processor and exporter. The spans are made here as plain ReadableSpans:
// a call has ended before the command hears of it, so a tracer's live Span (a start, attribute
// checks, an end) would be work for nothing.

import { Buffer } from 'node:buffer';
import { resolve } from 'node:path';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { RandomIdGenerator, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_CODE_FILE_PATH, ATTR_CODE_FUNCTION_NAME, ATTR_EXCEPTION_MESSAGE } from '@opentelemetry/semantic-conventions';
import type { SpanBatch } from '../program/messages.js';

/** A probe of the program, by the index a row carries: its text, and its target as written (relative to the command's cwd, the program's too). */
export interface OtlpProbe {
  text: string;
  target: string;
}

const OK = { code: SpanStatusCode.UNSET } as const;
const NO_LINKS: [] = [];
const NO_EVENTS: [] = [];

/** A batch as the program sent it, checked: anything else (a bug, a foreign writer) is skipped. */
function isBatch(b: unknown): b is SpanBatch {
  return Array.isArray(b) && b.length === 6 && typeof b[0] === 'number' && typeof b[1] === 'number' && (b[2] === 3 || b[2] === 4)
    && Array.isArray(b[3]) && b[3].length % 4 === 0 && b[3].every((x) => typeof x === 'number')
    && Array.isArray(b[4]) && b[4].every((s) => typeof s === 'string') && typeof b[5] === 'string';
}

/** The calls' numbers: the base64 of a Float64Array (copied, since a decoded Buffer may not sit at a multiple of 8). */
function numbers(base64: string): Float64Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float64Array(Math.floor(bytes.length / 8));
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 8));
  return out;
}

/** What a batch's kind of call stands for. */
interface Kind {
  probe: OtlpProbe;
  func: string;
  attributes: Attributes;
  error: string | undefined;
}

/** ms since the epoch, and ns after it, as the [s, ns] of OpenTelemetry's HrTime. */
function hrTime(ms: number, plusNs: number): HrTime {
  const s = Math.floor(ms / 1000);
  const ns = Math.round((ms - s * 1000) * 1e6) + plusNs;
  const carry = Math.floor(ns / 1e9);
  return [s + carry, ns - carry * 1e9];
}

/** Turns the batches of one session into spans; the attributes every call of a function shares are made once. */
export class SpanMaker {
  readonly #ids = new RandomIdGenerator();
  /** The attributes of the calls of a function, by pid, tid, probe and function: as many as the functions that probes hit. */
  readonly #shared = new Map<string, Attributes>();
  readonly #scope: ReadableSpan['instrumentationScope'] = { name: 'jsprobe' };

  constructor(private readonly probes: readonly OtlpProbe[], private readonly resource: Resource) {}

  /** The spans of a batch's JSON text from process `pid`; none for text that is not a batch. */
  spans(pid: number, rows: string): ReadableSpan[] {
    let b: unknown;
    try {
      b = JSON.parse(rows);
    } catch {
      return [];
    }
    if (!isBatch(b)) return [];
    const [tid, endMs, stride, kindNumbers, strings] = b;
    const kinds: (Kind | undefined)[] = [];
    for (let k = 0; k < kindNumbers.length; k += 4) kinds.push(this.#kind(pid, tid, kindNumbers.slice(k, k + 4), strings));
    const calls = numbers(b[5]);
    const out: ReadableSpan[] = [];
    for (let at = 0; at + stride <= calls.length; at += stride) {
      const kind = kinds[calls[at]];
      if (kind === undefined) continue;
      const end = Math.round(calls[at + 1]);
      const elapsed = Number.isFinite(calls[at + 2]) ? Math.max(0, Math.round(calls[at + 2])) : 0;
      let { attributes } = kind;
      if (stride === 4) attributes = { ...attributes, 'jsprobe.ctx': calls[at + 3] };
      out.push(this.#span(kind.func, attributes, hrTime(endMs, end - elapsed), hrTime(endMs, end), elapsed, kind.error));
    }
    return out;
  }

  /** A kind's probe, function and attributes (those of an error's calls carry its message). */
  #kind(pid: number, tid: number, [i, func, called, error]: number[], strings: string[]): Kind | undefined {
    const probe = this.probes[i];
    if (probe === undefined || strings[func] === undefined) return undefined;
    const message = strings[error];
    let attributes = this.#attributes(pid, tid, probe, i, strings[func], strings[called] ?? '');
    if (message !== undefined) attributes = { ...attributes, [ATTR_EXCEPTION_MESSAGE]: message };
    return { probe, func: strings[func], attributes, error: message };
  }

  #span(name: string, attributes: Attributes, startTime: HrTime, endTime: HrTime, elapsed: number, error: string | undefined): ReadableSpan {
    // Each call is a root span: jsprobe sees no trace context of the program's.
    const context: SpanContext = { traceId: this.#ids.generateTraceId(), spanId: this.#ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED };
    return {
      name, kind: SpanKind.INTERNAL, spanContext: () => context, startTime, endTime,
      status: error === undefined ? OK : { code: SpanStatusCode.ERROR, message: error },
      attributes, links: NO_LINKS, events: NO_EVENTS, duration: [Math.floor(elapsed / 1e9), elapsed % 1e9], ended: true,
      resource: this.resource, instrumentationScope: this.#scope, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
    };
  }

  /** The attributes of a call's span that do not change from call to call (docs/cli.md, "OpenTelemetry"). */
  #attributes(pid: number, tid: number, probe: OtlpProbe, i: number, func: string, called: string): Attributes {
    const key = `${pid}\0${tid}\0${i}\0${func}\0${called}`;
    let a = this.#shared.get(key);
    if (a !== undefined) return a;
    a = { [ATTR_CODE_FUNCTION_NAME]: func, 'process.pid': pid, 'thread.id': tid, 'jsprobe.probe': probe.text };
    // A pattern's row names the function it hit; a plain probe's is the probe's own target, as written.
    const target = called !== '' ? called : probe.target;
    // A file target is `/app/db.js:Db.query`; a module's (`node:fs#readFile`, `pg#Client.query`) has no file here.
    const colon = target.lastIndexOf(':');
    if (colon > 0 && !target.includes('#') && !target.startsWith('node:')) a[ATTR_CODE_FILE_PATH] = resolve(target.slice(0, colon));
    this.#shared.set(key, a);
    return a;
  }
}
