// Output under `jsprobe -c`: how long a program that printfs 2,000 one-megabyte strings takes to
// make its calls (its own clock, test/fixtures/safety/flood.cjs), with `-o /dev/null` and with a
// reader that holds jsprobe's stdout until the program has made them, and what was lost.
// The held reader lets go after 60 s if the program has not made its calls by then. --against DIR
// runs another built checkout too (a "before"), in turn with this one each round.
//   npm run build && node build/bench/outbuf.js [COUNT] [SIZE] [--rounds N] [--against DIR]

import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, shuffledOrder } from './lib/measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const F = 'test/fixtures/safety/flood.cjs';
const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1]?.startsWith('--') !== true);
const COUNT = Number(positional[0] ?? 2000);
const SIZE = Number(positional[1] ?? 1 << 20);
const ROUNDS = Number(option('rounds') ?? 1);
const AGAINST = option('against');
const HOLD_MS = 60_000;
const PROGRAM = `fn:${F}:emit { printf("e%d %s\\n", arg0, arg1) }`;

interface Result {
  ms: number;
  ticks: number;
  printed: number;
  lost: number;
  code: number | null;
  wallMs: number;
}

function run(jsprobe: string, out: 'devnull' | 'held'): Promise<Result> {
  const outFile = out === 'devnull' ? ['-o', '/dev/null'] : [];
  const args = [jsprobe, '-q', '--max-strlen', String(SIZE), ...outFile, '-e', PROGRAM, '-c', `node ${F} ${COUNT} ${SIZE}`];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let printed = 0;
  const read = (): void => {
    if (child.stdout.listenerCount('data') > 0) return;
    clearTimeout(hold);
    child.stdout.setEncoding('utf8').on('data', (o: string) => {
      // Every line is an event (the program has no maps).
      for (let i = o.indexOf('\n'); i >= 0; i = o.indexOf('\n', i + 1)) printed++;
    });
  };
  // The held reader starts reading once the program has made every call, or after HOLD_MS (a
  // program that waits for its output would never finish them).
  const hold = setTimeout(read, out === 'held' ? HOLD_MS : 0);
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (out === 'held' && stderr.includes('flood: done')) read();
  });
  return new Promise((resolve) => child.on('close', (code) => {
    const m = /flood: done \d+ in (\d+) ms, (\d+) ticks/.exec(stderr);
    let lost = 0;
    for (const l of stderr.matchAll(/^Lost (\d+) events$/gm)) lost += Number(l[1]);
    resolve({ ms: Number(m?.[1]), ticks: Number(m?.[2]), printed: out === 'devnull' ? COUNT - lost : printed, lost, code, wallMs: performance.now() - t0 });
  }));
}

const builds = [{ name: 'this', jsprobe: join(ROOT, 'build/src/cli/main.js') }];
if (AGAINST !== undefined) builds.push({ name: 'against', jsprobe: join(resolve(AGAINST), 'build/src/cli/main.js') });
console.log(`${COUNT} calls of ${SIZE} characters, ${ROUNDS} round(s); ${machine()}`);
const figures = builds.map(() => ({ devnull: [] as Result[], held: [] as Result[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (const b of shuffledOrder(builds.length, round)) {
    for (const out of ['devnull', 'held'] as const) {
      const r = await run(builds[b].jsprobe, out);
      figures[b][out].push(r);
      console.log(`${builds[b].name} ${out === 'devnull' ? '-o /dev/null' : 'held reader '}: the program's ${COUNT} calls took ${r.ms} ms ` +
        `(${r.ticks} ticks of its 10 ms timer); printed ${r.printed}, lost ${r.lost}; jsprobe ended after ${Math.round(r.wallMs)} ms, exit ${r.code}`);
    }
  }
}
console.log(`\nmedians of ${ROUNDS} round(s)`);
console.log(`| | ${builds.map((b) => b.name).join(' | ')} |${builds.length > 1 ? ' this ÷ against |' : ''}`);
console.log(`|---|${builds.map(() => '---:|').join('')}${builds.length > 1 ? '---:|' : ''}`);
for (const out of ['devnull', 'held'] as const) {
  for (const [what, of] of [['calls ms', (r: Result) => r.ms], ['printed', (r: Result) => r.printed], ['jsprobe ended ms', (r: Result) => r.wallMs]] as const) {
    const m = figures.map((f) => median(f[out].map(of)));
    const ratio = m.length > 1 ? ` ${fmt(m[0] / m[1], 2)} |` : '';
    console.log(`| ${out === 'devnull' ? '-o /dev/null' : 'held reader'}: ${what} | ${m.map((x) => fmt(x, 0)).join(' | ')} |${ratio}`);
  }
}
