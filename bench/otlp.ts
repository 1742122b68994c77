// bench:otlp — what `--otlp` costs the traced program per call of an fnret probe: the span
// record built and queued on the way out to the command (the command, not the program, runs the
// OpenTelemetry SDK). The same probe with and without --otlp, a jsprobe -c run per variant and
// round, interleaved; a node:http receiver here answers the exporter. Lost events (a full
// buffer) and the spans sent are reported beside the time: a cost that drops records is not a
// full cost.
//
//   npm run bench:otlp [-- --rounds 5 --calls 200000] [--before OTHER/build/src/cli/main.js]
//
// --before adds a variant: the same --otlp run with another build of jsprobe (an older commit's),
// interleaved with the rest, for a before/after comparison on the same machine and load.

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 5);
const CALLS = Number(option('calls') ?? 200_000);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const WORK = 'bench/otlp-work.cjs';
const BEFORE = option('before');
const VARIANTS = BEFORE === undefined ? (['off', 'on'] as const) : (['off', 'on', 'before'] as const);
type Variant = 'off' | 'on' | 'before';

interface Run { ns: number; lost: number; sent: number; failed: number }

function once(variant: Variant, url: string): Promise<Run> {
  const args = ['-q', '-e', `fnret:${WORK}:work { @n = count() }`, '-c', `node ${WORK}`];
  if (variant !== 'off') args.push('--otlp', url);
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OTLP_BENCH_CALLS: String(CALLS) };
    const child = spawn(process.execPath, [variant === 'before' ? BEFORE! : JSPROBE, ...args], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code) => {
      const m = /OTLP_BENCH ([0-9.]+)/.exec(out);
      if (code !== 0 || m === null) return reject(new Error(`${variant}: exit ${code}: ${err}`));
      resolve({
        ns: Number(m[1]),
        lost: Number(/Lost (\d+) events/.exec(err)?.[1] ?? 0),
        sent: Number(/(\d+) spans? sent/.exec(err)?.[1] ?? 0),
        failed: Number(/(\d+) failed/.exec(err)?.[1] ?? 0),
      });
    });
  });
}

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    // An empty ExportTraceServiceResponse in either encoding: '{}' for JSON, no bytes for protobuf.
    const json = req.headers['content-type'] === 'application/json';
    req.resume().on('end', () => res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
  process.stderr.write(`bench:otlp: ${ROUNDS} rounds × ${VARIANTS.length} variants, ${CALLS} calls each\n`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of VARIANTS) runs.get(v)!.push(await once(v, url));
    process.stderr.write(`  round ${r + 1}/${ROUNDS}\r`);
  }
  server.close();
  process.stderr.write('\n');
  const off = median(runs.get('off')!.map((x) => x.ns));
  const lines = [
    `Machine: ${machine()}. Median of ${ROUNDS} interleaved rounds, a jsprobe -c run per variant and round; ${CALLS} calls a run.`,
    `Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(', ')}.`,
    '',
    '| fnret probe `{ @n = count() }` | ns per call | over off | events lost (median) | spans sent (median) | failed (median) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const v of VARIANTS) {
    const rs = runs.get(v)!;
    const ns = median(rs.map((x) => x.ns));
    const col = (f: (x: Run) => number): string => fmt(median(rs.map(f)), 0);
    const over = v === 'off' ? '' : fmt(ns - off, 0);
    const name = v === 'before' ? 'on, `--before` build' : v;
    lines.push(`| --otlp ${name} | ${fmt(ns, 0)} | ${over} | ${col((x) => x.lost)} | ${col((x) => x.sent)} | ${col((x) => x.failed)} |`);
  }
  console.log(lines.join('\n'));
}

await main();
