// Issue 18, round 14: instructions a hit on one load site with N counting return probes armed
// (handlers: closures of one literal, as bench:hot's armed rows), under callgrind
// (bench/callgrind-loop.mjs), for one or two builds side by side. Wall time on a shared VM moves
// by more than the step it looks for; an instruction count does not.
//
//   node bench/site-slot-instructions.mjs [--builds DIR,DIR] [--armed 1,100,1000] [--calls 300000] [--cell]
//     (DIR: a checkout whose build/ to use; default this one)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopInstructions } from './callgrind-loop.mjs';

function opt(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}

const here = fileURLToPath(new URL('..', import.meta.url));
const builds = opt('builds', here).split(',');
const armed = opt('armed', '1,100,1000').split(',').map(Number);
const calls = Number(opt('calls', '300000'));
const cell = process.argv.includes('--cell');

/** The script one process runs: arm n probes, warm, then one timed loop between two cpuUsage() calls. */
function script(build, file, n, bare) {
  return `(async () => {
    const { register } = await import(${JSON.stringify(join(build, 'build/src/index.js'))});
    const core = await import(${JSON.stringify(join(build, 'build/src/core/index.js'))});
    const all = require(${JSON.stringify(file)}).all;
    const counts = new Float64Array(Math.max(${n}, 16));
    const cells = [];
    const handler = (k) => {
      if (!${cell}) return () => { counts[k]++; };
      const c = new core.CountCell(0);
      const h = () => { c.n++; };
      core.countsLike(h, { cell: () => c });
      cells.push(c);
      return h;
    };
    for (let k = 0; k < ${n}; k++) register({ target: ${JSON.stringify(file)} + ':f' + k, onReturn: handler(k) });
    for (let k = 0; k < ${n}; k++) all[k](k);
    const t = { fn: ${bare ? 'require(' + JSON.stringify(file.replace(/armed\.cjs$/, 'bare.cjs')) + ').all[0]' : 'all[0]'} };
    const loop = new Function('t', 'return function loop(n) { let sink = 0; for (let i = 0; i < n; i++) sink += t.fn(i); return sink; }')(t);
    for (let r = 0; r < 4; r++) loop(${calls});
    process.cpuUsage();
    loop(${calls});
    process.cpuUsage();
  })()`;
}

const dir = mkdtempSync(join(tmpdir(), 'site-slot-'));
try {
  const max = Math.max(...armed);
  let text = '';
  for (let k = 0; k < max; k++) text += `function f${k}(a) { return a + 1 }\n`;
  text += `module.exports = { all: [${Array.from({ length: max }, (_, k) => `f${k}`).join(',')}] };\n`;
  const file = join(dir, 'armed.cjs');
  writeFileSync(file, text);
  writeFileSync(join(dir, 'bare.cjs'), text);
  const handlers = cell ? 'counting cells' : 'closures of one literal';
  console.log(`Node ${process.version}, instructions a hit over bare on one load site (${calls} calls, callgrind), ${handlers}`);
  console.log(`| probes armed | ${builds.map((b) => `${b} | × 1`).join(' | ')} |`);
  const first = new Map();
  for (const n of armed) {
    const row = builds.map((build, bi) => {
      const env = { ...process.env, JSPROBE_LOAD_SITES: file, JSPROBE_CACHE: join(dir, `cache-${bi}`) };
      const args = ['--import', join(build, 'build/src/register.js')];
      const run = (bare) => {
        const saved = process.env;
        process.env = env;
        try {
          return loopInstructions(process.execPath, args, script(build, file, n, bare), calls);
        } finally {
          process.env = saved;
        }
      };
      const over = run(false) - run(true);
      if (!first.has(bi)) first.set(bi, over);
      return `${over.toFixed(1)} | ${(over / first.get(bi)).toFixed(2)}`;
    });
    console.log(`| ${n} | ${row.join(' | ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
