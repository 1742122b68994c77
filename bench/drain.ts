// Output under `jsprobe -c` after a burst: test/fixtures/cli/burst.cjs makes COUNT calls of `hit`
// at once, each printf'd, then idles. Measured: the burst's wall time on the program's own clock,
// alone and traced; how fast a backlog drains (the command held with SIGSTOP during the burst, so
// that the agent's 4 MiB buffer is full, then let go: lines printed after, per second); how long
// Ctrl-C takes to end a traced program that is idle after its burst, and whether jsprobe took it
// for a busy one. And a program that prints now and then (`sparse`: K calls a turn, turns 2 ms
// apart): what a call costs it, and how long each line takes from the call to jsprobe's stdout.
// --against DIR runs another built checkout too (a "before"), in turn with this one each round.
//   npm run build && node build/bench/drain.js [COUNT] [--rounds N] [--against DIR]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, quantile, shuffledOrder } from './lib/measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const F = join(ROOT, 'test/fixtures/cli/burst.cjs');
const COUNT = Number(process.argv[2]?.startsWith('--') === false ? process.argv[2] : 1_000_000);
const ROUNDS = Number(option('rounds') ?? 1);
const AGAINST = option('against');
/** Turns of the sparse program, and its calls a turn in each of its two runs. */
const SPARSE_TURNS = 500;
const SPARSE_CALLS = [1, 50];

interface Build {
  name: string;
  jsprobe: string;
}

interface Traced {
  child: ChildProcess;
  text(): string;
  /** The trace lines and the events reported lost so far, counted as the output grows (read once). */
  printed: number;
  lost: number;
  /** When the last trace line was read (performance.now()). */
  printedAt: number;
  until(test: (t: Traced) => boolean): Promise<void>;
  closed: Promise<number | null>;
}

function traced(build: Build, mode = ''): Traced {
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-bench-drain-')), 'out');
  const fd = openSync(file, 'a');
  const program = `fn:${F}:hit { printf("hit %d\\n", arg0) }`;
  const child = spawn(process.execPath, [build.jsprobe, '-e', program, '-c', `node ${F} ${COUNT} ${mode}`], { stdio: ['pipe', fd, fd] });
  closeSync(fd);
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const reader = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let partial = '';
  let all = '';
  const t: Traced = {
    child, closed, printed: 0, lost: 0, printedAt: 0,
    text: () => all,
    until: (test) => new Promise((resolve) => {
      const look = (): void => {
        for (let n; (n = readSync(reader, buf)) > 0;) {
          const chunk = partial + buf.toString('latin1', 0, n);
          const nl = chunk.lastIndexOf('\n') + 1;
          partial = chunk.slice(nl);
          const lines = chunk.slice(0, nl);
          const printed = lines.match(/^hit \d+$/gm)?.length ?? 0;
          t.printed += printed;
          if (printed > 0) t.printedAt = performance.now();
          for (const m of lines.matchAll(/^Lost (\d+) events$/gm)) t.lost += Number(m[1]);
          // The rest of the output, without the trace lines: what the checks below look for.
          all += lines.replace(/^hit \d+\n/gm, '');
        }
        if (test(t) || child.exitCode !== null) resolve();
        else setTimeout(look, 5);
      };
      look();
    }),
  };
  return t;
}

const burstMs = (text: string): number => Number(/^burst done.*in (\d+) ms/m.exec(text)?.[1]);
const burstCpuMs = (text: string): number => Number(/^burst done.*cpu (\d+) ms/m.exec(text)?.[1]);

/** The program alone: its burst's wall time. */
function alone(): string {
  const r = spawnSync(process.execPath, [F, String(COUNT)], { input: 'go\n', encoding: 'utf8' });
  return `${burstMs(r.stderr)} ms (CPU ${burstCpuMs(r.stderr)} ms)`;
}

/** The figures of one build in one round, by name. */
type Figures = Record<string, number>;

/** The command held during the burst, then let go: the backlog's lines, and how fast they came. */
async function held(build: Build, f: Figures): Promise<string> {
  const t = traced(build);
  await t.until(() => /^Attaching/m.test(t.text()) && /^ready/m.test(t.text()));
  process.kill(t.child.pid!, 'SIGSTOP');
  t.child.stdin!.write('go\n');
  await t.until(() => /^burst done/m.test(t.text()));
  const t0 = performance.now();
  process.kill(t.child.pid!, 'SIGCONT');
  // The last count of drops may come up to a second after the last line (it is said at most once a second).
  await t.until(() => t.printed + t.lost >= COUNT);
  const ms = t.printedAt - t0;
  t.child.stdin!.end();
  await t.closed;
  await t.until(() => true);
  f['held: burst ms'] = burstMs(t.text());
  f['held: burst CPU ms'] = burstCpuMs(t.text());
  f['held: lines/s let go'] = t.printed / ms * 1000;
  return `held, then let go: ${t.printed} lines printed in ${Math.round(ms)} ms = ${Math.round(t.printed / ms * 1000)} lines/s; ` +
    `lost ${t.lost}; burst ${burstMs(t.text())} ms (CPU ${burstCpuMs(t.text())} ms)`;
}

/** A free reader (a file), Ctrl-C once the burst is done and all has arrived (or 1.5 s after it). */
async function ctrlC(build: Build, f: Figures): Promise<string> {
  const t = traced(build);
  await t.until(() => /^ready/m.test(t.text()));
  t.child.stdin!.write('go\n');
  await t.until(() => /^burst done/m.test(t.text()));
  const done = performance.now();
  await t.until(() => t.printed + t.lost >= COUNT || performance.now() - done > 1500);
  const drainMs = t.printedAt - done;
  const [printed, lost] = [t.printed, t.lost];
  const t0 = performance.now();
  t.child.kill('SIGINT');
  const code = await t.closed;
  const ms = performance.now() - t0;
  await t.until(() => true);
  const s = t.text();
  const cut = /^jsprobe: (\d+) lines of trace not printed/m.exec(s)?.[1] ?? 0;
  f['free: burst ms'] = burstMs(s);
  f['free: burst CPU ms'] = burstCpuMs(s);
  f['free: last line ms after it'] = drainMs;
  f['free: lost'] = lost;
  f['Ctrl-C ms'] = ms;
  return `free reader: burst ${burstMs(s)} ms (CPU ${burstCpuMs(s)} ms); ${printed} printed, ${lost} lost, the last line ${Math.round(drainMs)} ms after it; ` +
    `Ctrl-C: exit ${code} after ${Math.round(ms)} ms, ${t.printed} printed, ${t.lost} lost, ${cut} not printed` +
    `${/too busy/.test(s) ? ', taken for busy (inspector opened)' : ''}`;
}

/**
 * `k` calls a turn, turns 2 ms apart: what a call costs the program (its own clock: median, 90th
 * percentile), and each line's way from the call to jsprobe's stdout (the monotonic clock, which
 * both processes read), read here from a pipe.
 */
async function sparse(build: Build, k: number, f: Figures): Promise<string> {
  const program = `fn:${F}:hit { printf("hit %d %d\\n", arg0, arg1) }`;
  const child = spawn(process.execPath, [build.jsprobe, '-e', program, '-c', `node ${F} 0`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const ms: number[] = [];
  let partial = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => {
    const at = Number(process.hrtime.bigint());
    const chunk = partial + d;
    const nl = chunk.lastIndexOf('\n') + 1;
    partial = chunk.slice(nl);
    for (const m of chunk.slice(0, nl).matchAll(/^hit \d+ (\d+)$/gm)) ms.push((at - Number(m[1])) / 1e6);
  });
  let err = '';
  const waiters: (() => void)[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of waiters.splice(0)) w();
  });
  const seen = (re: RegExp): Promise<RegExpExecArray> => new Promise((resolve) => {
    const look = (): void => {
      const m = re.exec(err);
      if (m !== null) resolve(m);
      else waiters.push(look);
    };
    look();
  });
  await seen(/^Attaching/m);
  child.stdin.write(`sparse ${SPARSE_TURNS} ${k}\n`);
  const [, cost50, cost90] = await seen(/^sparse done, median ([\d.]+) us, p90 ([\d.]+) us$/m);
  for (let waited = 0; ms.length < SPARSE_TURNS * k && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  child.stdin.end();
  await closed;
  const lat50 = median(ms);
  const lat99 = quantile(ms, 0.99);
  const key = `sparse, ${k} a turn:`;
  f[`${key} call µs (median)`] = Number(cost50);
  f[`${key} call µs (p90)`] = Number(cost90);
  f[`${key} line ms to stdout (median)`] = lat50;
  f[`${key} line ms to stdout (p99)`] = lat99;
  return `sparse, ${k} call${k === 1 ? '' : 's'} a turn: a call ${cost50} µs (p90 ${cost90}); ${ms.length} lines, ` +
    `call to stdout ${fmt(lat50, 2)} ms (p99 ${fmt(lat99, 2)}, max ${fmt(Math.max(...ms), 2)})`;
}

async function round(build: Build, f: Figures): Promise<void> {
  console.log(`  ${build.name}: ${await ctrlC(build, f)}`);
  console.log(`  ${build.name}: ${await held(build, f)}`);
  for (const k of SPARSE_CALLS) console.log(`  ${build.name}: ${await sparse(build, k, f)}`);
}

const builds: Build[] = [{ name: 'this', jsprobe: join(ROOT, 'build/src/cli/main.cjs') }];
if (AGAINST !== undefined) builds.push({ name: 'against', jsprobe: join(resolve(AGAINST), 'build/src/cli/main.cjs') });
console.log(`${COUNT} calls, ${ROUNDS} round(s); ${machine()}`);
for (const b of builds) console.log(`${b.name}: ${b.jsprobe}`);
const figures: Figures[][] = builds.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  console.log(`round ${r + 1}: alone: burst ${alone()}`);
  for (const b of shuffledOrder(builds.length, r)) {
    const f: Figures = {};
    await round(builds[b], f);
    figures[b].push(f);
  }
}
console.log(`\nmedians of ${ROUNDS} round(s)`);
console.log(`| | ${builds.map((b) => b.name).join(' | ')} |${builds.length > 1 ? ' this ÷ against |' : ''}`);
console.log(`|---|${builds.map(() => '---:|').join('')}${builds.length > 1 ? '---:|' : ''}`);
for (const key of Object.keys(figures[0][0])) {
  const m = figures.map((fs) => median(fs.map((f) => f[key])));
  const digits = key.includes('µs') || key.includes('line ms') ? 2 : 0;
  console.log(`| ${key} | ${m.map((x) => fmt(x, digits)).join(' | ')} |${m.length > 1 ? ` ${fmt(m[0] / m[1], 2)} |` : ''}`);
}
