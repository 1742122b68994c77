// The heap-sized steps of a breakpoint site, alone in one process: `Debugger.enable` (V8 lists the
// loaded scripts after a full collection) three times, then a breakpoint in each of three hot
// functions (each deoptimised, a walk of the heap for its closures). The heap is argv[2] MB of the
// small objects bench:attach:load's target holds. The figures behind DEBUGGER_ENABLE_MS_PER_MB and
// BREAKPOINT_MS_PER_MB (src/sites/pause-budget.ts).
//
//   node --max-old-space-size=5000 bench/heap-walks.cjs 1000
'use strict';
const { Session } = require('node:inspector');

const mb = Number(process.argv[2] ?? 100);
const ballast = [];
while (process.memoryUsage().heapUsed < mb * 2 ** 20) {
  const chunk = new Array(10000);
  for (let j = 0; j < chunk.length; j++) chunk[j] = { id: j, name: `item${j}`, tags: [j] };
  ballast.push(chunk);
}
globalThis.fns = [0, 1, 2].map((k) => new Function('x', `return x + ${k};`));
let s = 0;
for (const f of globalThis.fns) for (let i = 0; i < 1e6; i++) s = f(s);

const session = new Session();
session.connect();
const post = (method, params = {}) => {
  let out;
  session.post(method, params, (e, r) => {
    if (e) throw e;
    out = r;
  });
  return out;
};
const timed = (f) => {
  const t0 = performance.now();
  f();
  return Math.round(performance.now() - t0);
};
const enables = [0, 1, 2].map(() => {
  const ms = timed(() => post('Debugger.enable'));
  post('Debugger.disable');
  return ms;
});
post('Debugger.enable');
const breakpoints = [0, 1, 2].map((k) => {
  const { result } = post('Runtime.evaluate', { expression: `fns[${k}]` });
  const props = post('Runtime.getProperties', { objectId: result.objectId, ownProperties: true });
  const location = props.internalProperties.find((p) => p.name === '[[FunctionLocation]]').value.value;
  return timed(() => post('Debugger.setBreakpoint', { location }));
});
console.log(JSON.stringify({ heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), enableMs: enables, breakpointMs: breakpoints, s }));
