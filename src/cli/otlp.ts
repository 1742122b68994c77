// `--otlp URL`: the command's side of span export. The traced program only sends a few numbers a
// call (program/spans.ts); here, in the command, each becomes a finished span (otlp-spans.ts) for
// the official OpenTelemetry SDK's bounded batch processor and its OTLP/HTTP exporter, protobuf or
// JSON (otlp-protocol.ts). Counts of sent, dropped and failed spans are said once at the end.

import { basename } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { OtlpProtocol } from './otlp-protocol.js';
import { SpanMaker, type OtlpProbe } from './otlp-spans.js';

export type { OtlpProbe } from './otlp-spans.js';

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

export interface OtlpOptions {
  url: string;
  protocol: OtlpProtocol;
  service: string;
  probes: readonly OtlpProbe[];
  /** -q: no closing line when every span was sent. */
  quiet?: boolean;
  warn(s: string): void;
}

/** The exporter of a protocol, loaded only for it (the protobuf one and the JSON one are separate packages). */
async function exporterFor(options: OtlpOptions): Promise<SpanExporter> {
  const config = { url: options.url, timeoutMillis: EXPORT_TIMEOUT_MS };
  if (options.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(config);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(config);
}

/** The spans of one session, made by openSpanExport(): add() each batch as it comes; end() flushes within OTLP_FLUSH_MS and says how it went. */
export async function openSpanExport(options: OtlpOptions): Promise<SpanExport> {
  return new SpanExport(options, await exporterFor(options));
}

export class SpanExport {
  readonly #processor: BatchSpanProcessor;
  readonly #exporter: CountingExporter;
  readonly #maker: SpanMaker;
  #made = 0;
  #ended = false;

  constructor(private readonly options: OtlpOptions, exporter: SpanExporter) {
    this.#exporter = new CountingExporter(exporter, options.url, options.warn);
    this.#processor = new BatchSpanProcessor(this.#exporter, { maxQueueSize: OTLP_QUEUE_SPANS, maxExportBatchSize: 512, scheduledDelayMillis: 500 });
    this.#maker = new SpanMaker(options.probes, resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }));
  }

  /** A batch of calls from process `pid` (a {t:'spans'} message's rows). */
  add(pid: number, rows: string): void {
    if (this.#ended) return;
    const spans = this.#maker.spans(pid, rows);
    for (const span of spans) this.#processor.onEnd(span);
    this.#made += spans.length;
  }

  /** Flushes what is queued, at most OTLP_FLUSH_MS, and writes one line: spans sent, dropped, failed. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), OTLP_FLUSH_MS);
    });
    const shutdown = this.#processor.shutdown().catch(() => {}).then(() => this.#exporter.idle());
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
