// bench:threads — per-thread state against a global lock (docs/design.md, "Lineage"): N worker
// threads call a probed function in a tight loop, and we count hits per second for three designs
// in one run, beside the unprobed call:
//   jsprobe      each thread's probe counts in its own row of per-thread slots in a
//                SharedArrayBuffer, padded to cache lines, summed when read (src/threads/slots.ts)
//   atomic       every hit does Atomics.add on one shared counter (one cache line for all threads)
//   locked map   every hit takes one Atomics spin lock and updates a shared map (the kernel's
//                old global kretprobe lock)
// Threads start together on a shared barrier and run for a fixed time; medians of a few rounds.
//
//   npm run bench:threads [-- --rounds 5 --ms 500 --threads 1,2]

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median } from './lib/measure.js';
import { ThreadSlots } from '../src/threads/slots.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '5'));
const MS = Number(opt('ms', '500'));
const THREADS = opt('threads', Array.from({ length: availableParallelism() }, (_, i) => i + 1).join(',')).split(',').map(Number);
const DESIGNS = ['unprobed', 'jsprobe', 'atomic', 'locked'] as const;
type Design = (typeof DESIGNS)[number];
const LABEL: Record<Design, string> = {
  unprobed: 'unprobed call',
  jsprobe: 'jsprobe (per-thread slots, merged on read)',
  atomic: 'one shared Atomics counter',
  locked: 'shared map behind one lock',
};

const WORKER = fileURLToPath(new URL('./threads-worker.js', import.meta.url));

/** Hits per second of each of `n` threads running `design` together. */
async function run(design: Design, n: number, shared: SharedArrayBuffer): Promise<number[]> {
  const barrier = new Int32Array(new SharedArrayBuffer(8));
  const slots = ThreadSlots.create(1, n);
  const workers = Array.from({ length: n }, () => new Worker(WORKER, { workerData: { design, ms: MS, barrier: barrier.buffer, shared, slots: slots.sab } }));
  let calls = 0;
  const results = workers.map((w) => new Promise<number>((resolve, reject) => {
    w.once('message', (m: { hitsPerSec: number; calls: number }) => {
      calls += m.calls;
      resolve(m.hitsPerSec);
    });
    w.once('error', reject);
  }));
  // Every worker reports ready by bumping barrier[1]; then all start at once.
  while (Atomics.load(barrier, 1) < n) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(barrier, 0, 1);
  Atomics.notify(barrier, 0);
  const out = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  // The merge on read must account for every hit, from every thread.
  if (design === 'jsprobe' && slots.sum(0) !== calls) throw new Error(`per-thread slots sum to ${slots.sum(0)}, the threads made ${calls} calls`);
  return out;
}

const table = new Map<string, number[][]>();
process.stderr.write(`bench:threads: ${ROUNDS} rounds × threads ${THREADS.join(',')} × ${DESIGNS.length} designs, ${MS} ms each\n`);
for (let r = 0; r < ROUNDS; r++) {
  for (const n of THREADS) {
    for (const d of DESIGNS) {
      const shared = new SharedArrayBuffer(4096);
      const key = `${d}/${n}`;
      const list = table.get(key) ?? [];
      list.push(await run(d, n, shared));
      table.set(key, list);
    }
  }
  process.stderr.write(`  round ${r + 1}/${ROUNDS}\n`);
}

const total = (d: Design, n: number) => median(table.get(`${d}/${n}`)!.map((per) => per.reduce((a, b) => a + b, 0)));
const perThread = (d: Design, n: number) => median(table.get(`${d}/${n}`)!.flat());
const m = (x: number) => fmt(x / 1e6, 1);
console.log(`Machine: ${machine()}. Median of ${ROUNDS} rounds; each thread runs ${MS} ms; M hits/s.\n`);
console.log(`| design | ${THREADS.map((n) => `${n} thread${n === 1 ? '' : 's'}: total | per thread`).join(' | ')} | ` +
  `${THREADS.length > 1 ? `total at ${THREADS.at(-1)} ÷ at ${THREADS[0]}` : ''} |`);
console.log(`|---|${THREADS.map(() => '---:|---:').join('|')}|---:|`);
for (const d of DESIGNS) {
  const cells = THREADS.map((n) => `${m(total(d, n))} | ${m(perThread(d, n))}`).join(' | ');
  const scale = THREADS.length > 1 ? fmt(total(d, THREADS.at(-1)!) / total(d, THREADS[0]), 2) : '';
  console.log(`| ${LABEL[d]} | ${cells} | ${scale} |`);
}
if (THREADS.length > 1) {
  const n = THREADS.at(-1)!;
  console.log(`\n- jsprobe at ${n} threads: ${fmt(total('jsprobe', n) / total('jsprobe', THREADS[0]), 2)}× its ${THREADS[0]}-thread total (goal ≥ 1.8 at 2); ` +
    `${fmt(total('jsprobe', n) / total('atomic', n), 2)}× the shared counter, ${fmt(total('jsprobe', n) / total('locked', n), 2)}× the locked map`);
}
