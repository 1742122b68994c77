// bench:rewrite — how long the load hook takes to give typescript.js (8.7 MiB, 21,688 functions) a
// site in every function, afresh (disk cache off), under each Node jsprobe supports: oxc hands
// its tree over as JSON on Node 20 and as raw memory on Node >= 22. One fresh process per sample,
// the versions interleaved; Node 22/24/26 come from scripts/node-versions.mjs.
//
//   node build/bench/rewrite.js [--runs 3] [--versions 20,22,24,26]
//   node build/bench/rewrite.js --child    (one sample in this process: prints the ms)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { rawTransferSupported } from 'oxc-parser';
import { fmt, median, option } from './lib/measure.js';
import { plan, rewrite } from '../src/sites/hooks/rewrite-module.js';

const require = createRequire(import.meta.url);
const TYPESCRIPT = require.resolve('typescript/lib/typescript.js');

function sample(): number {
  const src = readFileSync(TYPESCRIPT, 'utf8');
  const t0 = performance.now();
  const p = plan(TYPESCRIPT, src, [{ file: TYPESCRIPT, lines: [] }]);
  const out = rewrite(src, pathToFileURL(TYPESCRIPT).href, TYPESCRIPT, 'script', p!);
  const ms = performance.now() - t0;
  if (out.cached || out.sites < 20_000) throw new Error(`not a fresh rewrite of every function (cached ${out.cached}, ${out.sites} sites)`);
  return ms;
}

function nodeOf(version: string): string {
  if (version === String(process.versions.node.split('.')[0])) return process.execPath;
  const r = spawnSync(process.execPath, ['scripts/node-versions.mjs', 'bin', version], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim());
  return `${r.stdout.trim()}/node`;
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify({ ms: sample(), raw: rawTransferSupported() }));
} else {
  const runs = Number(option('runs') ?? 3);
  const versions = (option('versions') ?? '20,22,24,26').split(',');
  const nodes = versions.map((v) => ({ v, node: nodeOf(v), ms: [] as number[], full: '', raw: false }));
  for (let r = 0; r < runs; r++) {
    for (const n of nodes) {
      const c = spawnSync(n.node, [process.argv[1], '--child'], { encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: '0' } });
      if (c.status !== 0) throw new Error(`Node ${n.v}: ${c.stderr}`);
      const out = JSON.parse(c.stdout) as { ms: number; raw: boolean };
      n.ms.push(out.ms);
      n.raw = out.raw;
      n.full = spawnSync(n.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    }
  }
  console.log(`Rewrite of typescript.js afresh, ${runs} fresh processes per version, interleaved.\n`);
  console.log('| Node | oxc transfer | samples ms | median ms | × Node 20 |');
  console.log('|---|---|---|---:|---:|');
  const base = median(nodes.find((n) => n.v === '20')?.ms ?? nodes[0].ms);
  for (const n of nodes) {
    const m = median(n.ms);
    console.log(`| ${n.full} | ${n.raw ? 'raw' : 'JSON'} | ${n.ms.map((x) => fmt(x, 0)).join(', ')} | ${fmt(m, 0)} | ${fmt(m / base, 2)} |`);
  }
}
