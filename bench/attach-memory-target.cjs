// The target of bench:attach:memory: a service-like loop that calls work() every millisecond
// (the probed function), started with --expose-gc. A line on stdin asks it: "mem" answers with
// process.memoryUsage() after full collections, "snap PATH" writes a heap snapshot there first.
// Prints its pid.
'use strict';
const v8 = require('node:v8');

function work(i) {
  return (i * 7) % 1000;
}

let i = 0;
setInterval(() => (i = work(i + 1)), 1);

/** Full collections, each after a turn of the loop, so that finalizers and weak callbacks have run. */
async function collect() {
  for (let n = 0; n < 4; n++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let buffered = '';
process.stdin.setEncoding('utf8').on('data', async (d) => {
  buffered += d;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const [command, arg] = buffered.slice(0, nl).trim().split(' ');
    buffered = buffered.slice(nl + 1);
    await collect();
    if (command === 'snap') v8.writeHeapSnapshot(arg);
    const m = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
  }
});
process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);
