// bench/hot-ab.mjs's counting rows in instructions rather than time: on this loaded VM a ns figure
// moves by 25% between runs, an instruction count does not. Each (build, kind) runs once under
// valgrind's callgrind, with V8 single-threaded; the measured loop is bracketed by two
// process.cpuUsage() calls, and `--dump-before=uv_getrusage` makes callgrind write its counters at
// each, so the loop's instructions are one dump. Prints instructions per call, warm (the loop ran
// long enough to be optimized first).
//
//   node bench/hot-instructions.mjs DIR_A DIR_B [CALLS]    (each DIR a built checkout)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  const out = mkdtempSync(join(tmpdir(), 'hot-ir-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-before=uv_getrusage', `--callgrind-out-file=${join(out, 'cg.out')}`,
      process.execPath, '--single-threaded', '--input-type=module', '-e', child(dir, kind)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const dumps = readdirSync(out).filter((f) => /^cg\.out\.\d+$/.test(f)).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    // Dump 1 ends at the first cpuUsage(); dump 2 is the loop.
    const text = readFileSync(join(out, dumps[1]), 'utf8');
    return Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]) / CALLS;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

for (const kind of ['bare', 'entry', 'return']) {
  const a = instructions(dirA, kind);
  const b = instructions(dirB, kind);
  console.log(`${kind.padEnd(6)} A ${a.toFixed(1)} instr/call  B ${b.toFixed(1)} instr/call  B - A ${(b - a).toFixed(1)}`);
}
