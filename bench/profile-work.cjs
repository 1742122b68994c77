// bench:profile's CPU-bound program: a fixed amount of work through a few functions (hashing
// strings in a loop), timed by itself so that startup is not in the figure. Prints the ms it took,
// wall and CPU (every thread of the process: V8's sampler thread included).
'use strict';

function mix(h, c) {
  return Math.imul(h ^ c, 16777619) >>> 0;
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function work(n) {
  let acc = 0;
  for (let i = 0; i < n; i++) acc ^= hash(`item-${i}-${acc & 0xff}`);
  return acc;
}

const n = Number(process.argv[2] ?? 3e6);
const t0 = performance.now();
const c0 = process.cpuUsage();
work(n);
const c = process.cpuUsage(c0);
process.stdout.write(`${(performance.now() - t0).toFixed(1)} ${((c.user + c.system) / 1000).toFixed(1)}\n`);
