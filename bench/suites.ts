// bench:suites — a project's own test suite, plain and under `jsprobe -c` with every function of
// its sources counted (`@calls = count()` on each), in interleaved rounds, alternating which goes
// first; medians and their ratio. Test runners start a node process per test file (`node --test`
// does), so this is where what `-c` adds to each traced child adds up.
//
//   node build/bench/suites.js [--rounds 3] DIR='PATTERN[;PATTERN…]'[=COMMAND] …
//
// DIR is a checkout with its dependencies installed; each PATTERN a target (`lib/*.js:*`); COMMAND
// the suite (default `node --test`). Both runs must pass (exit 0), and jsprobe's count must be
// more than zero, or the bench stops: a suite that fails under jsprobe is a finding, not a figure.

import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 3);
const JSPROBE = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));
const suites = process.argv.slice(2).filter((a, i, all) => a.includes('=') && all[i - 1] !== '--rounds').map((a) => {
  const [dir, patterns, command = 'node --test'] = a.split('=');
  return { dir, patterns: patterns.split(';'), command };
});
if (suites.length === 0) {
  console.error("usage: node build/bench/suites.js [--rounds N] DIR='PATTERN[;PATTERN…]'[=COMMAND] …");
  process.exit(2);
}

interface Run { ms: number; out: string }

function run(argv: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} in ${cwd}: exit ${code}\n${out.slice(-4000)}`));
      else resolve({ ms: performance.now() - t0, out });
    });
  });
}

const loads: number[] = [];
const rows: string[] = [];
for (const s of suites) {
  const program = s.patterns.map((p) => `fn:${p} { @calls = count() }`).join('\n');
  const plainArgv = ['sh', '-c', s.command];
  const tracedArgv = [process.execPath, JSPROBE, '-q', '-e', program, '-c', s.command];
  const plain: number[] = [];
  const traced: number[] = [];
  let calls = 0;
  for (let r = 0; r < ROUNDS; r++) {
    loads.push(loadavg()[0]);
    const order = r % 2 === 0 ? ['plain', 'traced'] : ['traced', 'plain'];
    for (const which of order) {
      if (which === 'plain') plain.push((await run(plainArgv, s.dir)).ms);
      else {
        const t = await run(tracedArgv, s.dir);
        traced.push(t.ms);
        calls = Number(/@calls: (\d+)/.exec(t.out)?.[1] ?? 0);
        if (calls === 0) throw new Error(`${s.dir}: jsprobe counted no calls\n${t.out.slice(-4000)}`);
      }
    }
  }
  const p = median(plain);
  const t = median(traced);
  rows.push(`${basename(s.dir).padEnd(16)} plain ${fmt(p / 1000, 2)} s, jsprobe -c ${fmt(t / 1000, 2)} s: ×${fmt(t / p, 2)}, `
    + `${calls.toLocaleString('en-US')} calls counted (${s.patterns.join(', ')}; ${s.command})`);
}
console.log(machine());
console.log(`Medians of ${ROUNDS} rounds, alternating which runs first; 1-minute load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}.`);
for (const r of rows) console.log(r);
