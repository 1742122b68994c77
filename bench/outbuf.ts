// Output under `jsprobe -c`: how long a program that printfs 2,000 one-megabyte strings takes to
// make its calls (its own clock, test/fixtures/safety/flood.cjs), with `-o /dev/null` and with a
// reader that holds jsprobe's stdout until the program has made them, and what was lost.
// The held reader lets go after 60 s if the program has not made its calls by then.
//   npm run build && node build/bench/outbuf.js [COUNT] [SIZE]

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSPROBE = 'build/src/cli/main.js';
const F = 'test/fixtures/safety/flood.cjs';
const COUNT = Number(process.argv[2] ?? 2000);
const SIZE = Number(process.argv[3] ?? 1 << 20);
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

function run(out: 'devnull' | 'held'): Promise<Result> {
  const outFile = out === 'devnull' ? ['-o', '/dev/null'] : [];
  const args = [JSPROBE, '-q', '--max-strlen', String(SIZE), ...outFile, '-e', PROGRAM, '-c', `node ${F} ${COUNT} ${SIZE}`];
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

for (const out of ['devnull', 'held'] as const) {
  const r = await run(out);
  console.log(`${out === 'devnull' ? '-o /dev/null' : 'held reader '}: the program's ${COUNT} calls took ${r.ms} ms (${r.ticks} ticks of its 10 ms timer); ` +
    `printed ${r.printed}, lost ${r.lost}; jsprobe ended after ${Math.round(r.wallMs)} ms, exit ${r.code}`);
}
