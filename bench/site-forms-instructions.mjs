// What a disarmed site's exit costs a call that returns, in instructions, in the two forms a sync
// function's site can take: a `catch` that reports a throw and rethrows it (the load sites' form),
// and a `finally` with no `catch` (the only form in which a throw passes with V8's ReThrow, which
// keeps the message of the first throw: the line and caret Node prints for an uncaught exception).
// Four small functions, written by hand in each form as instrument.ts writes them, are called in
// a loop that runs long enough to be optimized, and callgrind counts the loop (callgrind-loop.mjs).
//
//   node bench/site-forms-instructions.mjs [NODE...]    (node binaries; default: this one)

import { spawnSync } from 'node:child_process';
import { loopInstructions } from './callgrind-loop.mjs';

const CALLS = 1_000_000;

const FUNCTIONS = {
  add: ['a,b', 'return a + b;'],
  get: ['o', 'return o.x;'],
  pick: ['o,k', 'if (k > 3) return o.y; return o.x + k;'],
  loopy: ['n', 'let s = 0; for (let i = 0; i < n; i++) s += i; return s;'],
};

/** `name` with a disarmed site in `form`: each return reports itself, and the exit reports a throw. */
function sited(form, name, params, body) {
  // In the finally form a return that reported clears the frame, so that the finally knows the
  // call did not throw; the thrown value cannot be had there.
  const report = form === 'catch' ? '$jpR($jpF,$jpV)' : '($jpV=$jpR($jpF,$jpV),$jpF=null,$jpV)';
  const returns = body.replace(/return ([^;]+);/g, (_, x) => `return($jpV=(${x}),$jpF!==null?${report}:$jpV);`);
  const exit = form === 'catch' ? '}catch($jpX){if($jpF)$jpT($jpF,$jpX);throw($jpX)}' : '}finally{if($jpF!==null)$jpT($jpF,void 0)}';
  return `function ${name}(${params}){var $jpF=$jpOn?$jpE():null,$jpV;try{${returns}${exit}}`;
}

function program(form) {
  const fns = Object.entries(FUNCTIONS).map(([name, [params, body]]) =>
    (form === 'plain' ? `function ${name}(${params}){${body}}` : sited(form, name, params, body)));
  return `globalThis.$jpOn = false; function $jpE() { return null } function $jpR(f, v) { return v } function $jpT() {}
${fns.join('\n')}
const o = { x: 1, y: 2 };
function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1) + get(o) + pick(o, i & 7) + loopy(i & 3); return s; }
for (let i = 0; i < 20; i++) loop(${CALLS} / 10);
process.cpuUsage();
loop(${CALLS});
process.cpuUsage();
`;
}

/** Instructions per loop iteration (four calls) of `form` under `node`. */
function instructions(node, form) {
  return loopInstructions(node, [], program(form), CALLS);
}

for (const node of process.argv.length > 2 ? process.argv.slice(2) : [process.execPath]) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const row = ['plain', 'catch', 'finally'].map((form) => `${form} ${instructions(node, form).toFixed(1)}`);
  console.log(`${version}: instructions per iteration (4 calls): ${row.join('  ')}`);
}
