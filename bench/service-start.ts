// bench:service-start — how long an express service takes to answer its first request: plain,
// under `jsprobe -c` with three probes on its handlers, and under the tools a user would pick
// instead, OpenTelemetry's Node auto-instrumentation and Datadog's dd-trace, each as its docs
// start it (`--require …/register`, `--require dd-trace/init`). Interleaved rounds, each in an
// order of its own, medians. Node is this process's own.
//
//   node build/bench/service-start.js [--rounds 11]
//
// The peers and express are installed once, from the npm registry, into .cache/bench-service/
// (pinned versions, ~200 MB; not a dependency of jsprobe's). Each run: spawn, wait for the
// service's "listening PORT" line, send GET /users/1, and time the answer's end from the spawn;
// then SIGINT, and wait for the process to end (jsprobe prints its maps) before the next run.
// The peers' exporters point at a closed local port, as on a machine without their collectors:
// what they send fails without waiting on a DNS lookup.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, shuffledOrder } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 11);
const NODE = process.execPath;
const JSPROBE = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));
const DIR = fileURLToPath(new URL('../../.cache/bench-service/', import.meta.url));
const PEERS = { express: '5.3.0', 'dd-trace': '6.21.0', '@opentelemetry/auto-instrumentations-node': '0.82.0' };

function install(): void {
  mkdirSync(DIR, { recursive: true });
  const manifest = JSON.stringify({ name: 'jsprobe-bench-service', private: true, dependencies: PEERS }, null, 2);
  const wanted = (): string => spawnSync(NODE, ['-p', 'JSON.stringify(require("./package.json").dependencies)'], { cwd: DIR, encoding: 'utf8' }).stdout.trim();
  const have = existsSync(join(DIR, 'node_modules', '.package-lock.json')) && existsSync(join(DIR, 'package.json')) && wanted() === JSON.stringify(PEERS);
  if (have) return;
  writeFileSync(join(DIR, 'package.json'), manifest);
  console.error(`bench:service-start: installing express, dd-trace and OpenTelemetry's auto-instrumentation into ${DIR} (once, ~30 s)…`);
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: DIR, stdio: 'inherit' });
  if (npm.status !== 0) throw new Error(`npm install in ${DIR} failed (exit ${npm.status})`);
}

const APP = `'use strict';
const express = require('express');
const users = new Map([[1, { id: 1, name: 'ada' }], [2, { id: 2, name: 'grace' }]]);
function findUser(id) { return users.get(Number(id)) ?? null; }
function render(user) { return JSON.stringify(user); }
const app = express();
app.get('/users/:id', function getUser(req, res) {
  const user = findUser(req.params.id);
  if (user === null) return res.status(404).end();
  res.type('json').send(render(user));
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;
const PROBES = [
  'fn:app.cjs:getUser { @requests = count() }',
  'fnret:app.cjs:findUser { @found_ns = hist(elapsed) }',
  'fnret:app.cjs:render /elapsed > 1e6/ { @slow_renders = count() }',
].join('\n');

interface Variant { name: string; argv: string[]; env?: NodeJS.ProcessEnv }
const quiet = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', DD_TRACE_AGENT_URL: 'http://127.0.0.1:9' };
const variants: Variant[] = [
  { name: 'plain', argv: [NODE, 'app.cjs'] },
  { name: 'jsprobe -c, 3 probes', argv: [NODE, JSPROBE, '-q', '-e', PROBES, '-c', `${NODE} app.cjs`] },
  {
    name: 'OpenTelemetry auto-instrumentation',
    argv: [NODE, '--require', '@opentelemetry/auto-instrumentations-node/register', 'app.cjs'],
    env: { OTEL_SERVICE_NAME: 'bench' },
  },
  { name: 'dd-trace', argv: [NODE, '--require', 'dd-trace/init', 'app.cjs'], env: { DD_SERVICE: 'bench' } },
];

interface Run { answerMs: number; listeningMs: number; stdout: string }

/** One run: ms from the spawn to the service's listening line and to the end of its first answer. */
function run(v: Variant): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(v.argv[0], v.argv.slice(1), { cwd: DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...quiet, ...v.env } });
    let stdout = '';
    let stderr = '';
    let timing: Omit<Run, 'stdout'> | undefined;
    const fail = (why: string): void => {
      child.kill('SIGKILL');
      reject(new Error(`${v.name}: ${why}\n${stdout}${stderr}`));
    };
    const deadline = setTimeout(() => fail('no answer within 60 s'), 60_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const before = stdout;
      stdout += d;
      const port = /listening (\d+)/.exec(stdout)?.[1];
      if (port === undefined || /listening \d+\n/.test(before)) return;
      const listeningMs = performance.now() - t0;
      get({ host: '127.0.0.1', port: Number(port), path: '/users/1', agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          timing = { answerMs: performance.now() - t0, listeningMs };
          if (res.statusCode !== 200) return fail(`answered ${res.statusCode}`);
          child.kill('SIGINT');
        });
      }).on('error', (e) => fail(e.message));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (timing === undefined) return reject(new Error(`${v.name}: ended (${code ?? signal}) before it answered\n${stdout}${stderr}`));
      resolve({ ...timing, stdout });
    });
  });
}

const orderOf = (r: number): number[] => shuffledOrder(variants.length, r);

install();
writeFileSync(join(DIR, 'app.cjs'), APP);
const answer = variants.map(() => [] as number[]);
const listening = variants.map(() => [] as number[]);
const loads: number[] = [];
let requests = 0;
// One unmeasured round first: the page cache, jsprobe's caches and Node's compile cache warm, as for a second start.
for (let r = -1; r < ROUNDS; r++) {
  loads.push(loadavg()[0]);
  for (const i of orderOf(r)) {
    const out = await run(variants[i]);
    if (r < 0) continue;
    answer[i].push(out.answerMs);
    listening[i].push(out.listeningMs);
    if (i === 1) requests += Number(/@requests: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  }
}

console.log(machine());
console.log(`Medians of ${ROUNDS} interleaved rounds; 1-minute load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}.`);
console.log(Object.entries(PEERS).map(([name, version]) => `${name} ${version}`).join(', '));
const plain = median(answer[0]);
for (const [i, v] of variants.entries()) {
  const a = median(answer[i]);
  const added = i === 0 ? '' : `  +${fmt(a - plain, 0)} ms, ×${fmt(a / plain, 2)}`;
  const at = fmt(median(listening[i]), 0);
  console.log(`${v.name.padEnd(36)} first answer ${fmt(a, 0).padStart(5)} ms (listening at ${at} ms)${added}`);
}
// The probes must have seen the requests: one per round, each counted by jsprobe's maps at the end.
console.log(`jsprobe counted ${requests} of ${ROUNDS} first requests`);
