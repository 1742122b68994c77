// bench:attach:load — what attaching does to a service under steady load: a target (attach-target.cjs)
// with a heap of 100 MB or 1 GB serves requests from clients in this process (keep-alive, back to
// back); `jsprobe -p PID` attaches a probe, stays attached, then detaches. Reported: the worst and
// the p99 request latency of the requests in flight during attach (command start to "Attached")
// and during detach (SIGINT to 1 s after the command's exit), per configuration, interleaved, medians of rounds.
// Beside them, the target's own figure: the longest gap between the turns of a 1 ms timer on its main
// thread in each window (attach-target.cjs records them), which the clients' scheduling does not blur.
// Every wait is bounded: a round whose command does not attach, detach or end in time, or whose
// requests do not come back, is reported as failed (and its command killed), never waited for.
//
//   npm run bench:attach:load [-- --rounds 3 --heaps 100,1000 --clients 4]
//   ... -- --builds base=/tmp/base/build/src/cli/main.js,new    another build's command beside this one's, round by round
//
// Configurations: the default pause budget on an exported class's method (a wrap site over the
// budget); the default budget on an internal function, whose only site (a breakpoint) is over it:
// refused, the window is the command's run until it ends (exit 1); the internal function with the
// budget raised just enough for a breakpoint site (heap × its predicted ms a MB, + 10%); and the
// budget raised (--max-pause 100000) on the method: the live patch.
//   ... -- --configs wrap,live    only the configurations whose name has one of these

import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { fmt, machine, median } from './lib/measure.js';
import { BREAKPOINT_MS_PER_MB, DEBUGGER_ENABLE_MS_PER_MB } from '../src/sites/pause-budget.js';

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
/** A LiveEdit of 1 GB under load took 89-127 s on the loaded machine: the attach and the detach get 5 minutes each. */
const STEP_MS = Number(opt('step-timeout-ms', '300000'));
/**
 * A request that takes longer is counted as stuck (and its latency as this). As long as a step: a
 * request in flight across a live patch of 1 GB waits for the whole LiveEdit (~6 s quiet, 89-127 s
 * loaded), and at 60 s that was counted as stuck, which failed every live round at 1 GB.
 */
const REQUEST_MS = Number(opt('request-timeout-ms', String(STEP_MS)));
/** The commands compared, each `label=path` (a bare label: this build's), interleaved round by round. */
const BUILDS = opt('builds', 'this').split(',').map((b) => {
  const [label, path] = b.split('=');
  return { label, path: path ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url)) };
});
const TARGET = fileURLToPath(new URL('../../bench/attach-target.cjs', import.meta.url));
const FILE = 'bench/attach-target.cjs';

interface Config {
  name: string;
  program: string;
  extra(heapMb: number): string[];
  /** The command refuses the probe (over the budget) and ends with exit 1: nothing to hold or detach. */
  refused?: true;
}

const METHOD = `fn:${FILE}:Router.prototype.route { @n = count() }`;
const INTERNAL = `fn:${FILE}:handle { @n = count() }`;
/**
 * A budget a breakpoint site fits and a live patch (6 ms a MB) does not, with room for the heap to
 * grow by half: the runtime's own, and the requests' garbage (+16 MB at 1 GB failed a round with a
 * tenth; the 100 MB target was at 130 MB when its breakpoint was placed). 1.5 × 3.5 ms a MB stays
 * under the live patch's 6 ms a MB of the heap as it is.
 */
const breakpointBudget = (mb: number): string => String(Math.ceil(mb * 1.5 * (DEBUGGER_ENABLE_MS_PER_MB + BREAKPOINT_MS_PER_MB)) + 50);
const ALL_CONFIGS: Config[] = [
  { name: 'default budget, method (wrap)', program: METHOD, extra: () => [] },
  { name: 'default budget, internal fn (refused)', program: INTERNAL, extra: () => [], refused: true },
  { name: '--max-pause for a breakpoint, internal fn (breakpoint)', program: INTERNAL, extra: (mb) => ['--max-pause', breakpointBudget(mb)] },
  { name: '--max-pause 100000, method (live)', program: METHOD, extra: () => ['--max-pause', '100000'] },
];
const ONLY = opt('configs', '').split(',').filter((c) => c !== '');
const CONFIGS = ALL_CONFIGS.filter((c) => ONLY.length === 0 || ONLY.some((o) => c.name.includes(o)));

interface Target { child: ChildProcess; pid: number; port: number; heapMb: number }

async function target(mb: number): Promise<Target> {
  const child = spawn(process.execPath, [`--max-old-space-size=${mb * 4 + 256}`, TARGET, String(mb)], { stdio: ['ignore', 'pipe', 'ignore'] });
  // A target that dies growing its heap (out of memory) or never listens must not leave the bench waiting.
  const line = await within(STEP_MS, new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d));
    child.once('exit', (code, signal) => reject(new Error(`the target ended before it was ready (${signal ?? code})`)));
  }), 'the target ready').catch((e: Error) => {
    child.kill();
    throw e;
  });
  const { heapMb, port } = JSON.parse(line) as { heapMb: number; port: number };
  return { child, pid: child.pid!, port, heapMb };
}

/** `p`, or a rejection saying what did not happen within `ms`. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Requests: [start, end] in performance.now() ms; `stuck`: those that did not end within REQUEST_MS. */
function load(port: number): { stuck: { n: number; timedOut: boolean; errors: string[] }; stop(): Promise<[number, number][]> } {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const done: [number, number][] = [];
  const stuck = { n: 0, timedOut: false, errors: [] as string[] };
  let running = true;
  const one = (): Promise<void> => new Promise((resolve) => {
    const t0 = performance.now();
    const req = get({ host: '127.0.0.1', port, path: '/x', agent, timeout: REQUEST_MS }, (res) => {
      res.resume().on('end', () => {
        done.push([t0, performance.now()]);
        resolve();
      });
    });
    req.on('timeout', () => {
      stuck.n++;
      stuck.timedOut = true;
      done.push([t0, t0 + REQUEST_MS]);
      req.destroy();
    });
    req.on('error', (e) => {
      if (!stuck.timedOut) stuck.errors.push(`${e.message} at ${fmt(performance.now(), 0)}`);
      running = false; // the target went away, or a request was stuck: the round reports it
      resolve();
    });
  });
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) await one();
  });
  return {
    stuck,
    stop: async () => {
      running = false;
      await within(REQUEST_MS + 5000, Promise.all(clients), 'the clients\' last requests');
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

/** A command that should refuse its probe: its run until it ends is the attach window, and there is no detach. */
async function refusal(t: Target, l: ReturnType<typeof load>, cli: ChildProcess, exited: Promise<number | null>, a0: number): Promise<Round> {
  let err = '';
  cli.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await within(STEP_MS, exited, 'refused and ended').catch((e: Error) => {
    cli.kill('SIGKILL');
    return e;
  });
  const a1 = performance.now();
  await new Promise((r) => setTimeout(r, AFTER_MS));
  const reqs = await l.stop();
  if (code instanceof Error) throw code;
  if (code !== 1 || !/not attached: .*--max-pause \d+ allows it/.test(err)) throw new Error(`not refused (exit ${code}): ${err}`);
  if (l.stuck.n > 0) throw new Error(`${l.stuck.n} requests did not come back within ${REQUEST_MS / 1000} s`);
  if (l.stuck.errors.length > 0) throw new Error(`the clients stopped: ${l.stuck.errors.join('; ')}`);
  const said = /not attached: [^\n]*/.exec(err)![0];
  return { attach: { ...during(reqs, a0, a1), gap: await longestGap(t.port, a0, a1) }, detach: NONE, said };
}

/** The target's longest main-thread gap over [from, to] (performance.now() of this process), ms; 0 when none was over 10 ms. */
async function longestGap(port: number, from: number, to: number): Promise<number> {
  const epoch = (t: number): number => performance.timeOrigin + t;
  const text = await within(10_000, new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: `/gaps?from=${epoch(from)}&to=${epoch(to)}`, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  }), 'the target\'s gaps');
  return (JSON.parse(text) as { ms: number }).ms;
}

interface Window { worst: number; p99: number; gap: number }
interface Round { attach: Window; detach: Window; said: string }
const NONE: Window = { worst: NaN, p99: NaN, gap: NaN };

async function round(t: Target, jsprobe: string, config: Config): Promise<Round> {
  const l = load(t.port);
  await new Promise((r) => setTimeout(r, 300));
  const a0 = performance.now();
  const args = [jsprobe, '-p', String(t.pid), '-e', config.program, ...config.extra(t.heapMb)];
  const cli = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
  if (config.refused) return refusal(t, l, cli, exited, a0);
  // 'close' also waits for the command's pipes, which a process it left behind could hold: its exit is what counts.
  const closed = exited.then(() => within(5000, new Promise((resolve) => cli.once('close', resolve)), 'the command\'s pipes').catch(() => {}));
  try {
    await within(STEP_MS, new Promise<void>((resolve, reject) => {
      cli.stderr!.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('Attached to')) resolve();
      });
      void exited.then(() => reject(new Error(`jsprobe exited: ${err}`)));
    }), 'attached');
  } catch (e) {
    cli.kill('SIGKILL');
    await l.stop().catch(() => []);
    throw new Error(`${(e as Error).message} ${err.split('\n').slice(-3).join(' / ')}`);
  }
  const a1 = performance.now();
  await new Promise((r) => setTimeout(r, HOLD_MS));
  const d0 = performance.now();
  cli.kill('SIGINT');
  try {
    await within(STEP_MS, closed, 'detached and ended');
  } catch (e) {
    cli.kill('SIGKILL');
    await l.stop().catch(() => []);
    throw e;
  }
  const d1 = performance.now();
  // The target puts a live patch's source back after the command has gone: its stall is in the
  // requests that overlap this second too.
  await new Promise((r) => setTimeout(r, AFTER_MS));
  const reqs = await l.stop();
  if (l.stuck.n > 0) throw new Error(`${l.stuck.n} requests did not come back within ${REQUEST_MS / 1000} s`);
  if (l.stuck.errors.length > 0) throw new Error(`the clients stopped: ${l.stuck.errors.join('; ')}`);
  if (!/@n: [1-9]/.test(out)) throw new Error(`the probe counted nothing: ${out.trim()} ${err.trim().split('\n').slice(-3).join(' / ')}`);
  const said = /jsprobe: the heap is[^\n]*/.exec(err)?.[0] ?? '';
  const [ga, gd] = [await longestGap(t.port, a0, a1), await longestGap(t.port, d0, d1 + AFTER_MS)];
  return { attach: { ...during(reqs, a0, a1), gap: ga }, detach: { ...during(reqs, d0, d1 + AFTER_MS), gap: gd }, said };
}

const load1 = (): string => fmt(loadavg()[0], 1);
const began = { at: performance.now(), load: load1() };
const rows: string[] = [];
const notes = new Set<string>();
const failed: string[] = [];
for (const mb of HEAPS) {
  process.stderr.write(`  heap ~${mb} MB…\n`);
  let t: Target;
  try {
    t = await target(mb);
  } catch (e) {
    failed.push(`${mb} MB: ${(e as Error).message}`);
    continue;
  }
  try {
    const runs = CONFIGS.flatMap((c) => BUILDS.map((b) => ({ ...c, path: b.path, name: BUILDS.length > 1 ? `${b.label}: ${c.name}` : c.name })));
    const results = runs.map(() => [] as Round[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let c = 0; c < runs.length; c++) {
        let res: Round;
        try {
          res = await round(t, runs[c].path, runs[c]);
        } catch (e) {
          failed.push(`${fmt(t.heapMb, 0)} MB, ${runs[c].name}: ${(e as Error).message.split('\n').slice(0, 3).join(' / ')}`);
          process.stderr.write(`    ${runs[c].name}: failed: ${failed[failed.length - 1]}\n`);
          continue;
        }
        results[c].push(res);
        if (res.said !== '') notes.add(res.said.replace(/process \d+/, 'process PID').replace(/[\d,]+ MB/, 'N MB').replace(/~[\d,]+ ms/, '~X ms')
          .replace(/--max-pause [\d,]+ allows/, '--max-pause N allows'));
        process.stderr.write(`    ${runs[c].name}: attach worst ${fmt(res.attach.worst, 0)} ms (gap ${fmt(res.attach.gap, 0)}), ` +
          `detach worst ${fmt(res.detach.worst, 0)} ms (gap ${fmt(res.detach.gap, 0)}); load ${load1()}\n`);
      }
    }
    for (let c = 0; c < runs.length; c++) {
      const m = (f: (x: Round) => number): string => (results[c].length === 0 ? 'failed' : fmt(median(results[c].map(f)), 0));
      const n = results[c].length < ROUNDS ? ` (${results[c].length} of ${ROUNDS} rounds)` : '';
      rows.push(`| ${fmt(t.heapMb, 0)} | ${runs[c].name}${n} | ${m((x) => x.attach.worst)} | ${m((x) => x.attach.p99)} | ${m((x) => x.attach.gap)} | ` +
        `${m((x) => x.detach.worst)} | ${m((x) => x.detach.p99)} | ${m((x) => x.detach.gap)} |`);
    }
  } finally {
    t.child.kill();
  }
}
console.log(`Machine: ${machine()}. ${CLIENTS} keep-alive clients back to back; ${ROUNDS} rounds per configuration, interleaved; medians. ` +
  `Load average ${began.load} at the start, ${load1()} at the end; ${fmt((performance.now() - began.at) / 60_000, 1)} min.\n`);
console.log('| heap (MB) | configuration | attach: worst ms | attach: p99 ms | attach: target gap ms | ' +
  'detach: worst ms | detach: p99 ms | detach: target gap ms |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
for (const n of notes) console.log(`\n> ${n}`);
for (const f of failed) console.log(`\nRound failed: ${f}`);
