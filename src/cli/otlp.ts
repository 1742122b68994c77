// `--otlp URL`: the command's side of span export. The traced program only sends a small record a
// call (program/session.ts); here, in the command, the official OpenTelemetry SDK turns each into
// a span and its OTLP/HTTP exporter sends them, through a bounded queue. Counts of sent, dropped
// and failed spans are said once at the end.

import { basename, resolve } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_CODE_FILE_PATH, ATTR_CODE_FUNCTION_NAME, ATTR_EXCEPTION_MESSAGE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { SpanRow } from '../program/messages.js';

/** Spans the SDK holds at most before it drops new ones (BatchSpanProcessor's maxQueueSize). */
export const OTLP_QUEUE_SPANS = 8192;
/** How long the end waits for the last spans to go out before it gives up on them. */
export const OTLP_FLUSH_MS = 5000;
/** One export request's timeout: a collector that takes no answer cannot hold jsprobe past the flush deadline. */
const EXPORT_TIMEOUT_MS = 3000;

/** The result codes of the SDK's exporters (ExportResultCode in @opentelemetry/core: SUCCESS 0, FAILED 1). */
const SUCCESS = 0;

/** The traced command's name, for service.name: the script a `node` runs, else the program itself. */
export function commandName(argv: readonly string[]): string {
  const exe = basename(argv[0] ?? 'jsprobe');
  if (/^node(js)?$/.test(exe) || exe === 'tsx') {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    if (script !== undefined) return basename(script).replace(/\.[cm]?[jt]sx?$/, '');
  }
  return exe;
}

/** The attributes of a call's span (docs/cli.md, "OpenTelemetry"). */
function attributes(r: SpanRow, pid: number, probe: OtlpProbe): Attributes {
  const [, func, called, , , tid, error, ctx] = r;
  const a: Attributes = { [ATTR_CODE_FUNCTION_NAME]: func, 'process.pid': pid, 'thread.id': tid, 'jsprobe.probe': probe.text };
  // A pattern's row names the function it hit; a plain probe's is the probe's own target, as written.
  const target = called !== '' ? called : probe.target;
  // A file target is `/app/db.js:Db.query`; a module's (`node:fs#readFile`, `pg#Client.query`) has no file here.
  const colon = target.lastIndexOf(':');
  if (colon > 0 && !target.includes('#') && !target.startsWith('node:')) a[ATTR_CODE_FILE_PATH] = resolve(target.slice(0, colon));
  if (ctx !== null) a['jsprobe.ctx'] = ctx;
  if (error !== null) a[ATTR_EXCEPTION_MESSAGE] = error;
  return a;
}

/** A row as the program sent it, checked: anything else (a bug, a foreign writer) is skipped. */
function isRow(r: unknown): r is SpanRow {
  return Array.isArray(r) && r.length === 8 && typeof r[0] === 'number' && typeof r[1] === 'string' && typeof r[2] === 'string'
    && typeof r[3] === 'number' && typeof r[4] === 'number' && typeof r[5] === 'number'
    && (r[6] === null || typeof r[6] === 'string') && (r[7] === null || typeof r[7] === 'number');
}

/** Counts what the exporter sent and what it could not, and warns once when it cannot reach the collector. */
class CountingExporter implements SpanExporter {
  sent = 0;
  failed = 0;
  #warned = false;
  /** Exports begun and not answered yet, and who waits for none to be. */
  #pending = 0;
  #idle: (() => void)[] = [];

  constructor(private readonly inner: SpanExporter, private readonly url: string, private readonly warn: (s: string) => void) {}

  /** Resolves once every export begun has its answer (the SDK's flush gives up at its first failure). */
  idle(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.#pending++;
    this.inner.export(spans, (result) => {
      if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
      if (result.code === SUCCESS) this.sent += spans.length;
      else {
        this.failed += spans.length;
        if (!this.#warned) {
          this.#warned = true;
          const why = result.error?.message ?? 'no reason given';
          this.warn(`jsprobe: --otlp: cannot export spans to ${this.url} (${why.split('\n')[0]}); the spans that fail are counted at the end\n`);
        }
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** A probe of the program, by the index a row carries: its text, and its target as written (relative to the command's cwd, the program's too). */
export interface OtlpProbe {
  text: string;
  target: string;
}

export interface OtlpOptions {
  url: string;
  service: string;
  probes: readonly OtlpProbe[];
  /** -q: no closing line when every span was sent. */
  quiet?: boolean;
  warn(s: string): void;
}

/** The spans of one session: add() each record as it comes; end() flushes within OTLP_FLUSH_MS and says how it went. */
export class SpanExport {
  readonly #provider: BasicTracerProvider;
  readonly #exporter: CountingExporter;
  readonly #tracer;
  #made = 0;
  #ended = false;

  constructor(private readonly options: OtlpOptions) {
    this.#exporter = new CountingExporter(new OTLPTraceExporter({ url: options.url, timeoutMillis: EXPORT_TIMEOUT_MS }), options.url, options.warn);
    const processor = new BatchSpanProcessor(this.#exporter, { maxQueueSize: OTLP_QUEUE_SPANS, maxExportBatchSize: 512, scheduledDelayMillis: 500 });
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
      spanProcessors: [processor],
    });
    this.#tracer = this.#provider.getTracer('jsprobe');
  }

  /** A batch of calls from process `pid` (a {t:'spans'} message's rows). */
  add(pid: number, rows: string): void {
    if (this.#ended) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(rows);
    } catch {
      return;
    }
    if (!Array.isArray(parsed)) return;
    for (const r of parsed) if (isRow(r)) this.#span(pid, r);
  }

  #span(pid: number, r: SpanRow): void {
    const [i, func, , start, elapsed, , error] = r;
    const probe = this.options.probes[i] ?? { text: '', target: '' };
    // Each call is a root span: jsprobe sees no trace context of the program's.
    const span = this.#tracer.startSpan(func, { kind: SpanKind.INTERNAL, startTime: start, attributes: attributes(r, pid, probe) }, ROOT_CONTEXT);
    if (error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(start + elapsed / 1e6);
    this.#made++;
  }

  /** Flushes what is queued, at most OTLP_FLUSH_MS, and writes one line: spans sent, dropped, failed. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), OTLP_FLUSH_MS);
    });
    const shutdown = this.#provider.shutdown().catch(() => {}).then(() => this.#exporter.idle());
    const flushed = await Promise.race([shutdown.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    const { sent, failed } = this.#exporter;
    const dropped = Math.max(0, this.#made - sent - failed);
    const parts = [`${sent} span${sent === 1 ? '' : 's'} sent to ${this.options.url}`];
    // The SDK does not say which: its queue was full, or the export of these was not done by the end.
    const why = flushed === 'late' ? `the flush took more than ${OTLP_FLUSH_MS / 1000} s` : 'the queue was full, or their export did not finish';
    if (dropped > 0) parts.push(`${dropped} not sent (${why})`);
    if (failed > 0) parts.push(`${failed} failed`);
    if (this.options.quiet === true && dropped === 0 && failed === 0) return;
    this.options.warn(`jsprobe: --otlp: ${parts.join(', ')}\n`);
  }
}
