// `--prometheus [HOST:]PORT`: where the metrics page listens (docs/cli.md, "Prometheus").

/** Where `--prometheus` listens: 127.0.0.1 unless a host is given. */
export interface MetricsAddress {
  host: string;
  port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * `9464`, `0.0.0.0:9464`, `localhost:9464` or `[::1]:9464` (port 0: one the system picks, said on
 * stderr); a message saying what is wrong otherwise.
 */
export function parseMetricsAddress(v: string): MetricsAddress | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^\s:[\]/]+):)?([0-9]{1,5})$/.exec(v);
  const bad = `--prometheus takes [HOST:]PORT (e.g. 9464, 0.0.0.0:9464 or [::1]:9464), not '${v}'`;
  if (m === null) return bad;
  const port = Number(m[3]);
  if (port > 65535) return `--prometheus: port ${m[3]} is out of range (0 to 65535)`;
  return { host: m[1] ?? m[2] ?? DEFAULT_METRICS_HOST, port };
}
