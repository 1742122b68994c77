// bench/hot-ab.mjs's counting rows in instructions rather than time: on this loaded VM a ns figure
// moves by 25% between runs, an instruction count does not. Each (build, kind) runs once under
// callgrind (callgrind-loop.mjs). Prints instructions per call, warm (the loop ran long enough to
// be optimized first).
//
//   node bench/hot-instructions.mjs DIR_A DIR_B [CALLS]    (each DIR a built checkout)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loopInstructions } from './callgrind-loop.mjs';

const [dirA, dirB, callsArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/hot-instructions.mjs DIR_A DIR_B [CALLS]');
  process.exit(2);
}
const CALLS = Number(callsArg ?? 200_000);

/** One process: `kind`'s probe (none for bare) on a sync function, warmed, then CALLS calls between two cpuUsage() calls. */
const child = (dir, kind) => `
const api = await import(${JSON.stringify(pathToFileURL(resolve(dir, 'build/src/index.js')).href)});
const box = { counted: 0 };
const t = { fn: new Function('a', 'return a + 1') };
const handler = () => { box.counted++; };
if (${JSON.stringify(kind)} === 'entry') api.register({ target: { object: t, key: 'fn' }, onEntry: handler });
if (${JSON.stringify(kind)} === 'return') api.register({ target: { object: t, key: 'fn' }, onReturn: handler });
function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += t.fn(i); return s; }
for (let i = 0; i < 20; i++) loop(${CALLS});
process.cpuUsage();
loop(${CALLS});
process.cpuUsage();
`;

function instructions(dir, kind) {
  return loopInstructions(process.execPath, ['--input-type=module'], child(dir, kind), CALLS);
}

for (const kind of ['bare', 'entry', 'return']) {
  const a = instructions(dirA, kind);
  const b = instructions(dirB, kind);
  console.log(`${kind.padEnd(6)} A ${a.toFixed(1)} instr/call  B ${b.toFixed(1)} instr/call  B - A ${(b - a).toFixed(1)}`);
}
