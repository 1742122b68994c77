// V8's CPU profiler without jsprobe, on a spinner (spin() loops 50 ms at a time and is called
// anew from the event loop, entering its loop through OSR code): 15 slices of 200 ms, taken as
// jsprobe took them before (mode `restart`: Profiler.stop, then Profiler.start) or as it takes
// them now (mode `overlap`: V8's console.profile of the next slice, then profileEnd of the last),
// or one profile for it all (mode `one`). Prints the samples by top function (a restart charges
// spin's OSR code to processImmediate in many runs) and the ms each slice's end took.
//
//   node bench/profile-slices.cjs restart|overlap|one
'use strict';

const inspector = require('node:inspector');

const mode = process.argv[2] ?? 'overlap';
const session = new inspector.Session();
session.connect();
function post(method, params) {
  let out;
  session.post(method, params, (e, r) => {
    if (e) throw e;
    out = r;
  });
  return out;
}

function spin(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x++;
  setImmediate(spin, ms);
  return x;
}

const byTop = {};
function count(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const id of profile.samples) {
    const f = byId.get(id).callFrame.functionName || '(anonymous)';
    byTop[f] = (byTop[f] ?? 0) + 1;
  }
}

let finished = null;
session.on('Profiler.consoleProfileFinished', (m) => (finished = m.params.profile));
post('Profiler.enable');
post('Profiler.setSamplingInterval', { interval: 10101 });
if (mode === 'overlap') inspector.console.profile('slice 0');
else post('Profiler.start');
let slices = 0;
const ms = [];
const timer = setInterval(() => {
  const t0 = process.hrtime.bigint();
  if (mode === 'overlap') {
    inspector.console.profile(`slice ${slices + 1}`);
    inspector.console.profileEnd(`slice ${slices}`);
    count(finished);
  } else if (mode === 'restart') {
    const p = post('Profiler.stop').profile;
    post('Profiler.start');
    count(p);
  }
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (++slices < 15) return;
  clearInterval(timer);
  if (mode === 'overlap') {
    inspector.console.profileEnd(`slice ${slices}`);
    count(finished);
  } else count(post('Profiler.stop').profile);
  const top = Object.entries(byTop).sort((a, b) => b[1] - a[1]).slice(0, 4);
  const ends = mode === 'one' ? '-' : ms.map((x) => x.toFixed(2)).join(' ');
  console.log(`${process.version} ${mode}: ${top.map(([f, n]) => `${f} ${n}`).join(', ')}; a slice's end: ${ends} ms`);
  process.exit(0);
}, 200);
spin(50);
