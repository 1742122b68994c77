// An OTLP/HTTP trace receiver for the --otlp tests (node:http). A protobuf request is decoded by
// OpenTelemetry's own generated code: ExportTraceServiceRequest of the protobufjs root that
// @opentelemetry/otlp-transformer shipped up to 0.216 (a dev dependency under the name
// otlp-transformer-protobufjs; later versions encode by hand and decode no request). A JSON request
// is parsed as JSON. Both come out as the same plain objects, ids as hex and times as decimal strings.

import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

export interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number; message: string };
}

export interface OtlpRequest {
  resourceSpans: { resource: { attributes: OtlpKeyValue[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

interface ProtobufType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: object): unknown;
}

const root = createRequire(import.meta.url)('otlp-transformer-protobufjs/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtobufType } } } } };
};
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** A binary request, decoded, with every field present (defaults), ids in hex, 64-bit times as decimal strings. */
export function decodeProtobuf(body: Buffer): OtlpRequest {
  const o = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, enums: Number, bytes: String, defaults: true });
  const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
  const request = o as OtlpRequest;
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s.traceId = hex(s.traceId);
        s.spanId = hex(s.spanId);
        s.parentSpanId = hex(s.parentSpanId);
      }
    }
  }
  return request;
}

export interface Receiver {
  server: Server;
  url: string;
  requests: OtlpRequest[];
  /** `METHOD path content-type` of each request. */
  types: string[];
}

/** A receiver of OTLP/HTTP trace exports on a free port: each request's body, decoded as its content type says. */
export async function otlpReceiver(): Promise<Receiver> {
  const r: Omit<Receiver, 'url'> = { server: createServer(), requests: [], types: [] };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d)).on('end', () => {
      const type = req.headers['content-type'] ?? '';
      r.types.push(`${req.method} ${req.url} ${type}`);
      const body = Buffer.concat(chunks);
      const proto = type === 'application/x-protobuf';
      r.requests.push(proto ? decodeProtobuf(body) : (JSON.parse(body.toString('utf8')) as OtlpRequest));
      // An empty ExportTraceServiceResponse, in the request's encoding.
      res.writeHead(200, { 'content-type': proto ? 'application/x-protobuf' : 'application/json' }).end(proto ? '' : '{}');
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  return { ...r, url: `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/v1/traces` };
}

/** Every span of the requests, with its resource's service.name and its scope's name. */
export function spansOf(requests: readonly OtlpRequest[]): { span: OtlpSpan; service: unknown; scope: string }[] {
  const out: { span: OtlpSpan; service: unknown; scope: string }[] = [];
  for (const q of requests) {
    for (const rs of q.resourceSpans) {
      const service = attr(rs.resource.attributes, 'service.name');
      for (const ss of rs.scopeSpans) for (const span of ss.spans) out.push({ span, service, scope: ss.scope.name });
    }
  }
  return out;
}

/** An attribute's value; an int64 may come as a number or a decimal string, and is a number here. */
export function attr(kvs: readonly OtlpKeyValue[] | undefined, key: string): unknown {
  const v = kvs?.find((kv) => kv.key === key)?.value;
  if (v === undefined) return undefined;
  // A oneof: protobufjs's toObject sets only the member that is there, even with defaults.
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  return v.doubleValue ?? v.boolValue;
}
