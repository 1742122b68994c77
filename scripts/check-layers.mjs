// The layer check (part of `npm run lint`): src/ folders import in one direction. Reads every
// import of src/ (static, dynamic and re-exports), maps each file to its layer (its top folder, or
// the root file's name), and fails on a cycle between layers or on an import of a higher layer.
// docs/design.md ("Layers") draws the order and says what each layer owns.
//
//   node scripts/check-layers.mjs          check, exit 1 with one line per violation
//   node scripts/check-layers.mjs --graph  also print the layer graph (who imports whom)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first: a layer may import only layers before it. */
export const LAYERS = ['core', 'sites', 'targets', 'threads', 'index', 'register', 'lang', 'agg', 'program', 'attach', 'cli'];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer of a file under src/: its top folder, or a root file's name without extension. */
export function layerOf(file) {
  const [top, ...rest] = relative(SRC, file).split(sep);
  return rest.length > 0 ? top : top.replace(/\.[cm]?ts$/, '');
}

/** Every import between two layers: { from, to, file, target }. */
export function edges() {
  const out = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), m[2]).replace(/\.js$/, '.ts');
      if (!target.startsWith(SRC + sep)) continue;
      const from = layerOf(file);
      const to = layerOf(target);
      if (from !== to) out.push({ from, to, file: relative(SRC, file), target: relative(SRC, target) });
    }
  }
  return out;
}

/** A cycle of layers in the graph, as a list that starts and ends at the same layer, or null. */
export function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c !== null) return c;
  }
  return null;
}

export function check(all = edges()) {
  const problems = [];
  const graph = new Map();
  for (const e of all) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from).add(e.to);
    for (const l of [e.from, e.to]) {
      if (!LAYERS.includes(l)) problems.push(`src/${l} is in no layer: add it to LAYERS in scripts/check-layers.mjs (and to docs/design.md)`);
    }
    if (LAYERS.includes(e.from) && LAYERS.includes(e.to) && LAYERS.indexOf(e.to) > LAYERS.indexOf(e.from)) {
      problems.push(`src/${e.file} imports src/${e.target}: layer ${e.from} may not import ${e.to}, which is above it`);
    }
  }
  const cycle = findCycle(graph);
  if (cycle !== null) problems.unshift(`folder cycle in src/: ${cycle.join(' → ')}`);
  return { problems: [...new Set(problems)], graph };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, graph } = check();
  if (process.argv.includes('--graph')) {
    const byLayer = (a, b) => LAYERS.indexOf(a) - LAYERS.indexOf(b);
    for (const l of LAYERS) console.log(`${l} → ${[...(graph.get(l) ?? [])].sort(byLayer).join(', ') || '(nothing)'}`);
  }
  if (problems.length > 0) {
    console.error(`check-layers: src/ layers, lowest first: ${LAYERS.join(' → ')}`);
    for (const p of problems) console.error(`check-layers: ${p}`);
    process.exit(1);
  }
  console.log(`check-layers: ok (${LAYERS.join(' → ')}; no folder cycles)`);
}
