'use strict';
// V8 crashes when breakpoints are set or removed from an interrupt that lands while a function
// with breakpoints is hot, without jsprobe (docs/attach.md, "Breakpoint sites placed from an
// interrupt"). The main thread loops calling f; a worker's session to the main thread (what
// `jsprobe -p`'s channel thread has) evaluates, as interrupts, rounds of: enable the Debugger on
// the main thread's own session and set conditional breakpoints on f, then remove them and
// disable it. V8 handles interrupts inside a break of f's (Runtime_DebugBreakOnBytecode), where
// most of them land while f has breakpoints.
//   node scripts/v8-breakpoint-interrupts.cjs [ROUNDS] [MODES]
// MODES, a comma list: ret (breakpoints at f's return position too, as jsprobe sets them),
// nodisable (the Debugger stays enabled), chunk (the loop returns to the event loop every 20 ms),
// defer (the breakpoint changes are put off to a microtask, which runs between chunks: with
// chunk, what jsprobe does now). Exits 0 and prints "ok" when the process survived.
const { Worker } = require('node:worker_threads');
const { Session } = require('node:inspector');
const rounds = Number(process.argv[2] || 150);
const mode = new Set((process.argv[3] || 'ret').split(','));
const flags = new Int32Array(new SharedArrayBuffer(8));
globalThis.__flags = flags;
let hits = 0;
globalThis.__hit = () => { hits++; };
function f(x) {
  return x + 1;
}
const F_LINE = 21; // 0-based line of `function f`
const s = new Session(); s.connect();
const post = (m, p = {}) => { let r, err; s.post(m, p, (e, x) => { err = e; r = x; }); if (err) throw err; return r; };
let scriptId; let bps = [];
s.on('Debugger.scriptParsed', (m) => { if (m.params.url === `file://${__filename}`) scriptId = m.params.scriptId; });
let enabled = false;
function doSet() {
  if (!enabled) { post('Debugger.enable'); enabled = true; }
  const cond = '(()=>{try{globalThis.__hit()}catch{}return false})()';
  const { locations } = post('Debugger.getPossibleBreakpoints', {
    start: { scriptId, lineNumber: F_LINE, columnNumber: 0 }, end: { scriptId, lineNumber: F_LINE + 3, columnNumber: 0 }, restrictToFunction: true,
  });
  for (const l of mode.has('ret') ? locations : [locations[0]]) {
    bps.push(post('Debugger.setBreakpoint', { location: l, condition: cond }).breakpointId);
  }
}
function doUnset() {
  for (const b of bps) post('Debugger.removeBreakpoint', { breakpointId: b });
  bps = [];
  if (!mode.has('nodisable')) { post('Debugger.disable'); enabled = false; }
}
const later = (work) => Promise.resolve().then(work);
globalThis.__set = () => void (mode.has('defer') ? later(doSet) : doSet());
globalThis.__unset = () => void (mode.has('defer') ? later(doUnset) : doUnset());
const w = new Worker(`
const { Session } = require('node:inspector');
const { parentPort, workerData } = require('node:worker_threads');
const s = new Session(); s.connectToMainThread();
const keep = setInterval(() => {}, 1000);
const ev = (expression) => new Promise((res, rej) => s.post('Runtime.evaluate', { expression, returnByValue: true }, (e, r) => {
  if (e) rej(e);
  else if (r.exceptionDetails) rej(new Error(r.exceptionDetails.exception?.description));
  else res(r.result.value);
}));
const pause = () => new Promise((r) => setTimeout(r, 2));
(async () => {
  await ev('1');
  parentPort.postMessage('ready');
  while (await ev('__flags[0]') !== 1) await pause();
  for (let i = 0; i < workerData.rounds; i++) {
    await ev('__set()');
    await pause();
    await ev('__unset()');
    await pause();
  }
  await ev('Atomics.store(__flags, 1, 1)');
  // Ended only once the main thread has answered after the disconnect: a worker that ends before
  // the main thread has torn down its half of the session aborts the process now and then.
  s.disconnect();
  parentPort.once('message', () => clearInterval(keep));
  parentPort.postMessage('done');
})().catch((e) => { console.error('worker', e); process.exit(3); });
`, { eval: true, workerData: { rounds } });
w.on('message', (m) => { if (m === 'ready') setTimeout(run, 1); else w.postMessage('bye'); });
let n = 0;
function run() {
  Atomics.store(flags, 0, 1);
  const t = performance.now();
  while (Atomics.load(flags, 1) === 0) {
    n = f(n);
    if (mode.has('chunk') && performance.now() - t > 20) return void setImmediate(run);
  }
  console.log('ok', n > 0, hits > 0);
}
