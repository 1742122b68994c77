// bench:soak — one million async calls that never settle, through a return probe with maxActive
// 10 000: memory stays bounded (the probe holds at most 10 000 records), `missed` is exact, and
// unregister resolves within max(leaseMs, a round trip) though the calls never end. The same
// million calls unprobed are measured first, in the same process, as the baseline.
//
//   node --expose-gc build/bench/soak.js [--calls 1000000]

import { register, unregister } from '../src/index.js';

const args = process.argv.slice(2);
const CALLS = Number(args[args.indexOf('--calls') + 1] ?? 1_000_000) || 1_000_000;
const MAX_ACTIVE = 10_000;
const LEASE_MS = 200;

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const never = new Promise<never>(() => {});
const holder = {
  async wait(i: number): Promise<number> {
    await never;
    return i;
  },
};

function million(keep: Promise<number>[]): void {
  for (let i = 0; i < CALLS; i++) keep.push(holder.wait(i));
}

const base0 = heapMb();
let keep: Promise<number>[] = [];
million(keep);
const unprobed = heapMb() - base0;
keep = [];
heapMb();

const before = heapMb();
const p = register({ target: { object: holder, key: 'wait' }, maxActive: MAX_ACTIVE, leaseMs: LEASE_MS, onReturn: () => {} });
million(keep);
const probed = heapMb() - before;
const t0 = performance.now();
await unregister(p);
const unregisterMs = performance.now() - t0;
const expectedMissed = Math.max(0, CALLS - MAX_ACTIVE);

console.log(`${CALLS} calls pending, maxActive ${MAX_ACTIVE}, leaseMs ${LEASE_MS}:`);
console.log(`| run | heap growth MB | per call B |`);
console.log(`|---|---:|---:|`);
console.log(`| unprobed | ${unprobed.toFixed(1)} | ${((unprobed * 2 ** 20) / CALLS).toFixed(0)} |`);
console.log(`| return probe | ${probed.toFixed(1)} | ${((probed * 2 ** 20) / CALLS).toFixed(0)} |`);
console.log('');
console.log(`- the probe's own cost: ${(probed - unprobed).toFixed(1)} MB over the unprobed run (bound: maxActive records)`);
console.log(`- hits ${p.hits}, missed ${p.missed} (exact: ${expectedMissed}; ${p.missed === expectedMissed ? 'equal' : 'NOT EQUAL'})`);
console.log(`- unregister resolved in ${unregisterMs.toFixed(0)} ms with ${MAX_ACTIVE} calls still pending (bound: max(leaseMs ${LEASE_MS}, one round trip))`);
if (keep.length !== CALLS) throw new Error('lost calls');
