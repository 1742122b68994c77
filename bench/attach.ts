// bench:attach — the time from `jsprobe -p PID` to the first armed probe, by heap size: a target
// service started without jsprobe grows its heap with small objects, then the command attaches,
// live-patches its request handler, and is detached again; medians of a few rounds per heap.
//
//   npm run bench:attach [-- --rounds 5 --heaps 10,100]

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '5'));
const HEAPS = opt('heaps', '10,100').split(',').map(Number);
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TARGET = fileURLToPath(new URL('../../bench/attach-target.cjs', import.meta.url));
const PROGRAM = 'fnret:bench/attach-target.cjs:handle { @us = hist(elapsed / 1000) }';

async function target(mb: number): Promise<{ pid: number; heapMb: number; kill(): void }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${mb * 4 + 256}`, TARGET, String(mb)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d)));
  const { heapMb } = JSON.parse(line) as { heapMb: number };
  return { pid: child.pid!, heapMb, kill: () => child.kill() };
}

/** ms from starting the command to its "Attached" line (printed once the probe is armed), then detach. */
async function attachOnce(pid: number): Promise<number> {
  const t0 = performance.now();
  const cli = spawn(process.execPath, [JSPROBE, '-p', String(pid), '-e', PROGRAM], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const ms = await new Promise<number>((resolve, reject) => {
    cli.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes('Attached to')) resolve(performance.now() - t0);
    });
    cli.once('exit', () => reject(new Error(`jsprobe exited: ${err}`)));
  });
  cli.kill('SIGINT');
  await new Promise((resolve) => cli.on('close', resolve));
  return ms;
}

const rows: string[] = [];
for (const mb of HEAPS) {
  process.stderr.write(`  heap ~${mb} MB…\n`);
  const t = await target(mb);
  try {
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) times.push(await attachOnce(t.pid));
    rows.push(`| ${fmt(t.heapMb, 0)} | ${fmt(median(times), 0)} | ${fmt(Math.min(...times), 0)} | ${fmt(Math.max(...times), 0)} |`);
  } finally {
    t.kill();
  }
}
console.log(`Machine: ${machine()}. ${ROUNDS} attaches per heap, each to a live process started without jsprobe, detached after.\n`);
console.log('| target heap (MB) | median ms to first armed probe | min | max |');
console.log('|---:|---:|---:|---:|');
console.log(rows.join('\n'));
