// Part of `npm run build`, after tsc: tsc writes build/ but never deletes from it, so a source file
// that was removed or renamed would leave its compiled .js behind, and a test file left so would
// still be run by scripts/run-tests.mjs (and a module so still be packed). This removes what tsc
// emitted for sources that are gone: a .d.ts is tsc's mark (the bundles write none), and its
// .js, .js.map and .d.ts.map go with it.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['src', 'test', 'bench', 'examples', 'stress'];
const sources = ['.ts', '.mts', '.cts', '.tsx'];
const emitted = {
  '.ts': ['.js', '.js.map', '.d.ts', '.d.ts.map'],
  '.mts': ['.mjs', '.mjs.map', '.d.mts', '.d.mts.map'],
  '.cts': ['.cjs', '.cjs.map', '.d.cts', '.d.cts.map'],
};

function* declarations(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* declarations(p);
    else if (/\.d\.[mc]?ts$/.test(e.name)) yield p;
  }
}

let removed = 0;
for (const root of roots) {
  for (const decl of [...declarations(join('build', root))]) {
    const kind = /\.d\.(m|c)?ts$/.exec(decl);
    const base = relative('build', decl).slice(0, -kind[0].length);
    if (sources.some((ext) => existsSync(base + ext))) continue;
    for (const ext of emitted[`.${kind[1] ?? ''}ts`]) {
      const out = join('build', base + ext);
      if (existsSync(out)) {
        rmSync(out);
        removed++;
      }
    }
  }
}
if (removed > 0) console.log(`prune-build: removed ${removed} files compiled from sources that are gone`);
