// bench:arm — what a live patch costs: the time (and main-thread pause) to arm K probes by live
// patch on heaps of ~10 MB, 100 MB and 1 GB, and the cost per hit of a live site beside a load
// site, a breakpoint site, a wrap site, TracingChannel and a shimmer wrapper. Each measurement is
// a child process (arm-child.ts), so that each heap is the size it says.
//
//   npm run bench:arm [-- --rounds 5 --heaps 10,100,1000]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = opt('rounds', '5');
const HEAPS = opt('heaps', '10,100,1000').split(',').map(Number);

const CHILD = fileURLToPath(new URL('./arm-child.js', import.meta.url));
const REGISTER = fileURLToPath(new URL('../src/register.js', import.meta.url));

function run(nodeArgs: string[], childArgs: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...nodeArgs, CHILD, ...childArgs], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 2 ** 24 });
  if (r.status !== 0) {
    throw new Error(`arm-child ${childArgs.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(0, 8).join(' | ')}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

function armTable(): string[] {
  const lines = [
    '| heap (MB, measured) | probes armed | arm: registerAll() ms (= main-thread pause) | disarm: unregister() ms, synchronous part (pause) |',
    '|---:|---:|---:|---:|',
  ];
  for (const mb of HEAPS) {
    process.stderr.write(`  arm: heap ~${mb} MB…\n`);
    const out = run([`--max-old-space-size=${Math.max(512, mb * 4)}`], ['arm', '--heap-mb', String(mb), '--rounds', ROUNDS]);
    const results = out.results as Record<string, { arm: number; restore: number }>;
    for (const [k, r] of Object.entries(results)) {
      lines.push(`| ${fmt(out.heapMb as number, 0)} | ${k} | ${fmt(r.arm, 1)} | ${fmt(r.restore, 1)} |`);
    }
  }
  return lines;
}

const LABELS: Record<string, string> = {
  bare: 'bare call',
  load: 'load site, return probe counting',
  live: 'live site, return probe counting',
  breakpoint: 'breakpoint site, return probe counting',
  wrap: 'wrap site, return probe counting',
  tracing: 'TracingChannel with subscribers',
  shimmer: 'shimmer wrapper',
};

function hitsTable(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-arm-hits-'));
  try {
    for (const kind of Object.keys(LABELS)) {
      writeFileSync(join(dir, `hot-${kind}.cjs`), `'use strict';\nfunction hot(a, b) {\n  return a + b;\n}\nmodule.exports = hot;\n`);
    }
    process.stderr.write('  hits: one process, every site kind…\n');
    const out = run(['--import', REGISTER], ['hits', '--dir', dir, '--rounds', ROUNDS], {
      JSPROBE_LOAD_SITES: join(dir, 'hot-load.cjs'),
      JSPROBE_BREAKPOINT_RATE: '1e12',
      JSPROBE_CACHE: '0',
    });
    const ns = out.ns as Record<string, number>;
    const bare = ns.bare;
    const tc = ns.tracing - bare;
    const lines = [
      '| site | ns/call | overhead ns | ÷ load site overhead | ÷ TracingChannel overhead |',
      '|---|---:|---:|---:|---:|',
    ];
    for (const [k, label] of Object.entries(LABELS)) {
      const over = ns[k] - bare;
      lines.push(`| ${label} | ${fmt(ns[k], 1)} | ${k === 'bare' ? '' : fmt(over, 1)} | ${k === 'bare' ? '' : fmt(over / (ns.load - bare), 2)} | ` +
        `${k === 'bare' || k === 'tracing' ? '' : fmt(over / tc, 3)} |`);
    }
    const live = ns.live - bare;
    const load = ns.load - bare;
    lines.push('',
      `- live site overhead ${fmt(live, 1)} ns against the load site's ${fmt(load, 1)} ns: ${fmt((live / load - 1) * 100, 0)}% (goal: within 20%)`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stderr.write(`bench:arm: ${ROUNDS} rounds; heaps ${HEAPS.join(', ')} MB\n`);
const hits = hitsTable();
const arm = armTable();
console.log(`Machine: ${machine()}. Medians of ${ROUNDS} rounds.\n`);
console.log('Arming K probes by live patch on K functions of one loaded script (one LiveEdit), by heap size:\n');
console.log(arm.join('\n'));
console.log('\nCost per hit, one process, the same trivial function (2,000,000 calls a sample; 2,000 for the breakpoint site):\n');
console.log(hits.join('\n'));
