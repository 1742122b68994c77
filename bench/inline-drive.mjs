// What a probed small helper costs its optimized caller (docs/benchmarks.md, issue 18 round 6):
// scan() of inline-helpers.cjs calls eleven typescript.js-like helpers, every function a load
// site, with a counting cell on each as a return probe (cell), as an entry probe (entry), a
// handler call each (handler) or nothing armed (bare); or the command's `@[func] = count()` on
// every function through the language and its map (func: fnret, func-entry: fn, func-sealed: fn
// with registration sealed, the helpers loaded for counting alone; func-ret-sealed: the same for
// fnret, counted as calls end). Prints the CPU of ITERS scans.
//
//   JSPROBE_LOAD_SITES=bench/inline-helpers.cjs node --import BUILD/build/src/register.js \
//     bench/inline-drive.mjs BUILD MODE [ITERS]
//   node --import BUILD/build/src/register.js bench/inline-drive.mjs BUILD func-sealed [ITERS]
//
// Under callgrind, take the instructions of two ITERS (1200 less 200) so that start-up and the
// rewrite fall out; with --trace-turbo-inlining, look for what scan inlines.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [root, mode, iterArg] = process.argv.slice(2);
const iters = Number(iterArg ?? 2000);
const file = fileURLToPath(new URL('inline-helpers.cjs', import.meta.url));
const cells = [];
if (mode === 'func' || mode === 'func-entry' || mode === 'func-sealed' || mode === 'func-ret-sealed') {
  const atReturn = mode === 'func' || mode === 'func-ret-sealed';
  // The command's `@[func] = count()` (fnret:) or its entry-only count (fn:), through the
  // language as bench:tsc's count-cell: the map's own cells (agg's Tally), asked for at the first hit.
  const { register } = await import(join(root, 'build/src/index.js'));
  const { compile } = await import(join(root, 'build/src/lang/compile.js'));
  const { instantiate, makeRuntime } = await import(join(root, 'build/src/program/runtime.js'));
  const { countingHandler } = await import(join(root, 'build/src/program/counting.js'));
  const program = compile(`${atReturn ? 'fnret' : 'fn'}:${file}:* { @[func] = count() }`);
  const rt = makeRuntime(program, { format: 'text', text: () => {}, json: () => {} }, () => {});
  const handler = instantiate(rt, program.probes[0].source);
  countingHandler(rt, program.probes[0], handler);
  const p = register(atReturn ? { target: `${file}:*`, onReturn: handler } : { target: `${file}:*`, onEntry: handler });
  // func-sealed: func-entry with registration sealed, as `jsprobe -c` seals it for a program of
  // counts, so that the helpers load for counting alone (docs/hot-path.md). Run it without
  // JSPROBE_LOAD_SITES: a hint beside the probe's own want keeps the module's whole sites.
  if (mode === 'func-sealed' || mode === 'func-ret-sealed') {
    const { seal } = await import(join(root, 'build/src/index.js'));
    seal();
  }
  cells.push({ get n() { return p.hits; } });
} else if (mode !== 'bare') {
  const { register } = await import(join(root, 'build/src/index.js'));
  const { countsLike, CountCell } = await import(join(root, 'build/src/core/index.js'));
  const names = ['isDigit', 'isLower', 'isUpper', 'isWordCharacter', 'codePointUnchecked', 'charSize', 'isWhite', 'token', 'getPos', 'setTok',
    'hasFlag', 'scan'];
  for (const name of names) {
    // Core's cell class, as the command's maps' cells are (an older build has none: a plain object).
    const c = CountCell === undefined ? { n: 0, live: true } : new CountCell(0);
    const h = () => { c.n++; };
    if (mode !== 'handler') countsLike(h, { cell: () => c });
    cells.push(c);
    register(mode === 'entry' ? { target: `${file}:${name}`, onEntry: h } : { target: `${file}:${name}`, onReturn: h });
  }
}
const { scan } = createRequire(import.meta.url)(file);
const text = 'const abc = foo_bar + 12 * baz$qux; function hello(world) { return world.x1 } '.repeat(20);
let sum = 0;
const t0 = process.cpuUsage();
for (let k = 0; k < iters; k++) sum += scan(text);
const t = process.cpuUsage(t0);
console.log(JSON.stringify({ mode, sum, cpuMs: (t.user + t.system) / 1000, hits: cells.reduce((a, c) => a + c.n, 0) }));
