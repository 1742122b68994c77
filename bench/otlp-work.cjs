// bench:otlp's traced program: CALLS calls of a small function, timed by itself; one line with ns per call.
'use strict';
const CALLS = Number(process.env.OTLP_BENCH_CALLS || 200000);
function work(i) {
  return (i * 31) % 7;
}
let sink = 0;
for (let i = 0; i < 20000; i++) sink += work(i);
const t0 = process.hrtime.bigint();
for (let i = 0; i < CALLS; i++) sink += work(i);
const ns = Number(process.hrtime.bigint() - t0) / CALLS;
process.stdout.write(`OTLP_BENCH ${ns} ${sink}\n`);
