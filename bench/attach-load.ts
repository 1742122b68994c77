// bench:attach:load — what attaching does to a service under steady load: a target (attach-target.cjs)
// with a heap of 100 MB or 1 GB serves requests from clients in this process (keep-alive, back to
// back); `jsprobe -p PID` attaches a probe, stays attached, then detaches. Reported: the worst and
// the p99 request latency of the requests in flight during attach (command start to "Attached")
// and during detach (SIGINT to 1 s after the command's exit), per configuration, interleaved, medians of rounds.
//
//   npm run bench:attach:load [-- --rounds 3 --heaps 100,1000 --clients 4]
//
// Configurations: the default pause budget on an exported class's method (a wrap site over the
// budget), the default budget on an internal function (a breakpoint site over the budget), and the
// budget raised (--max-pause 100000) on the method: the live patch.

import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '3'));
const HEAPS = opt('heaps', '100,1000').split(',').map(Number);
const CLIENTS = Number(opt('clients', '4'));
const HOLD_MS = 1500;
const AFTER_MS = 1000;
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TARGET = fileURLToPath(new URL('../../bench/attach-target.cjs', import.meta.url));
const FILE = 'bench/attach-target.cjs';

const CONFIGS = [
  { name: 'default budget, method (wrap)', program: `fn:${FILE}:Router.prototype.route { @n = count() }`, extra: [] as string[] },
  { name: 'default budget, internal fn (breakpoint)', program: `fn:${FILE}:handle { @n = count() }`, extra: [] },
  { name: '--max-pause 100000, method (live)', program: `fn:${FILE}:Router.prototype.route { @n = count() }`, extra: ['--max-pause', '100000'] },
];

interface Target { child: ChildProcess; pid: number; port: number; heapMb: number }

async function target(mb: number): Promise<Target> {
  // The runtime's own timeout (5 s without a ping from the command) is shorter than a LiveEdit of 1 GB under load.
  const env = { ...process.env, JSPROBE_CLIENT_TIMEOUT_MS: '300000' };
  const child = spawn(process.execPath, [`--max-old-space-size=${mb * 4 + 256}`, TARGET, String(mb)], { stdio: ['ignore', 'pipe', 'ignore'], env });
  const line = await new Promise<string>((resolve) => child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d)));
  const { heapMb, port } = JSON.parse(line) as { heapMb: number; port: number };
  return { child, pid: child.pid!, port, heapMb };
}

/** Requests: [start, end] in performance.now() ms. */
function load(port: number): { stop(): Promise<[number, number][]> } {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const done: [number, number][] = [];
  let running = true;
  const one = (): Promise<void> => new Promise((resolve) => {
    const t0 = performance.now();
    get({ host: '127.0.0.1', port, path: '/x', agent }, (res) => {
      res.resume().on('end', () => {
        done.push([t0, performance.now()]);
        resolve();
      });
    }).on('error', () => {
      running = false; // the target went away: the round reports it
      resolve();
    });
  });
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) await one();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return done;
    },
  };
}

/** The requests in flight at any time in [from, to]: worst and p99 latency, ms. */
function during(reqs: [number, number][], from: number, to: number): { worst: number; p99: number } {
  const ms = reqs.filter(([s, e]) => s <= to && e >= from).map(([s, e]) => e - s).sort((a, b) => a - b);
  if (ms.length === 0) return { worst: NaN, p99: NaN };
  return { worst: ms[ms.length - 1], p99: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))] };
}

interface Round { attach: { worst: number; p99: number }; detach: { worst: number; p99: number }; said: string }

async function round(t: Target, program: string, extra: string[]): Promise<Round> {
  const l = load(t.port);
  await new Promise((r) => setTimeout(r, 300));
  const a0 = performance.now();
  const cli = spawn(process.execPath, [JSPROBE, '-p', String(t.pid), '-e', program, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = new Promise((resolve) => cli.on('close', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      cli.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('Attached to')) resolve();
      });
      cli.once('exit', () => reject(new Error(`jsprobe exited: ${err}`)));
    });
  } catch (e) {
    await l.stop();
    throw e;
  }
  const a1 = performance.now();
  await new Promise((r) => setTimeout(r, HOLD_MS));
  const d0 = performance.now();
  cli.kill('SIGINT');
  await closed;
  const d1 = performance.now();
  // The target puts a live patch's source back after the command has gone: its stall is in the
  // requests that overlap this second too.
  await new Promise((r) => setTimeout(r, AFTER_MS));
  const reqs = await l.stop();
  if (!/@n: [1-9]/.test(out)) throw new Error(`the probe counted nothing: ${out}${err}`);
  const said = /jsprobe: the heap is[^\n]*/.exec(err)?.[0] ?? '';
  return { attach: during(reqs, a0, a1), detach: during(reqs, d0, d1 + AFTER_MS), said };
}

const rows: string[] = [];
const notes = new Set<string>();
const failed: string[] = [];
for (const mb of HEAPS) {
  process.stderr.write(`  heap ~${mb} MB…\n`);
  const t = await target(mb);
  try {
    const results = CONFIGS.map(() => [] as Round[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let c = 0; c < CONFIGS.length; c++) {
        let res: Round;
        try {
          res = await round(t, CONFIGS[c].program, CONFIGS[c].extra);
        } catch (e) {
          failed.push(`${fmt(t.heapMb, 0)} MB, ${CONFIGS[c].name}: ${(e as Error).message.split('\n').slice(0, 3).join(' / ')}`);
          continue;
        }
        results[c].push(res);
        if (res.said !== '') notes.add(res.said.replace(/process \d+/, 'process PID'));
        process.stderr.write(`    ${CONFIGS[c].name}: attach worst ${fmt(res.attach.worst, 0)} ms, detach worst ${fmt(res.detach.worst, 0)} ms\n`);
      }
    }
    for (let c = 0; c < CONFIGS.length; c++) {
      const m = (f: (x: Round) => number): string => (results[c].length === 0 ? 'failed' : fmt(median(results[c].map(f)), 0));
      rows.push(`| ${fmt(t.heapMb, 0)} | ${CONFIGS[c].name} | ${m((x) => x.attach.worst)} | ${m((x) => x.attach.p99)} | ` +
        `${m((x) => x.detach.worst)} | ${m((x) => x.detach.p99)} |`);
    }
  } finally {
    t.child.kill();
  }
}
console.log(`Machine: ${machine()}. ${CLIENTS} keep-alive clients back to back; ${ROUNDS} rounds per configuration, interleaved; medians.\n`);
console.log('| heap (MB) | configuration | attach: worst ms | attach: p99 ms | detach: worst ms | detach: p99 ms |');
console.log('|---:|---|---:|---:|---:|---:|');
console.log(rows.join('\n'));
for (const n of notes) console.log(`\n> ${n}`);
for (const f of failed) console.log(`\nRound failed: ${f}`);
