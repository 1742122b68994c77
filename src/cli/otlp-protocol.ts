// `--otlp-protocol`: how the spans are encoded on OTLP/HTTP, named as OpenTelemetry's own settings
// name it, and chosen the way its SDKs choose: the flag, else OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
// else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf (the specification's default).

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

function isProtocol(v: string): v is OtlpProtocol {
  return (OTLP_PROTOCOLS as readonly string[]).includes(v);
}

/** The protocol to use, or the usage error for a value jsprobe cannot use (gRPC among them). */
export function otlpProtocol(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): { protocol: OtlpProtocol } | { error: string } {
  const from = flag !== undefined ? ['--otlp-protocol', flag]
    : env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL]
      : env.OTEL_EXPORTER_OTLP_PROTOCOL ? ['OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL] : undefined;
  if (from === undefined) return { protocol: 'http/protobuf' };
  const [where, value] = from;
  const v = value.trim();
  if (isProtocol(v)) return { protocol: v };
  const grpc = v === 'grpc' ? ' (jsprobe sends OTLP over HTTP only; a collector takes it on port 4318)' : '';
  return { error: `${where} is http/protobuf or http/json, not '${value}'${grpc}` };
}
