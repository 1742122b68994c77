// bench:startup:steps — where a `jsprobe -c` run's added time goes, step by step: a timeline of one
// run of a trivial program, from stamps (process.hrtime.bigint(): CLOCK_MONOTONIC, the same clock in
// every process) written by
//   - the command, through a --require preload: its first line (B), child_process.spawn called (C)
//     and returned (D), the child's 'exit' (X) and 'close' (Y) events, its first write to stdout (P),
//     its own 'exit' (H);
//   - the agent, in a copy of this build whose agent.cjs has marks written into it: its first line
//     (E), the runtime about to load (E0), its source and code cache read (R1), its Script made (R2),
//     its top level run (R3), loaded (E1), traceFirst's synchronous part done (E2);
//   - the program: its first line (F), its 'exit' (G);
// and I, this process seeing the command gone. Plain `node prog.cjs` runs in the same rounds.
// Medians of each stamp (ms from the spawn) and of each step. Node is this process's own.
//
//   node build/bench/startup-steps.js [--rounds 15]
//
// The copy is made beside build/ (it needs this checkout's node_modules) and removed at the end.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, option } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 15);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.execPath;

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-steps-'));
const copy = join(ROOT, `build-steps-${process.pid}`);
const stamps = join(dir, 'stamps.txt');

/** A line appending `key` and the clock to the stamps file, in a file of the copy or the harness's own. */
const stamp = (key: string): string =>
  `process.env.JSPROBE_STEPS && require('node:fs').appendFileSync(process.env.JSPROBE_STEPS, '${key} ' + process.hrtime.bigint() + '\\n');`;

/** The copy's agent.cjs with the marks written in: each after (or before) a line of the bundle; a line not found is said and left. */
function markAgent(file: string): void {
  let text = readFileSync(file, 'utf8');
  const marks: [string, string, 'before' | 'after'][] = [
    ['const { openLinkNow, traceFirst } = runtimeNow("first");', 'E0', 'before'],
    ['const { openLinkNow, traceFirst } = runtimeNow("first");', 'E1', 'after'],
    ['    void traceFirst(source);', 'E2', 'after'],
    ['  const script = new Script(', 'R1', 'before'],
    ['  const wrapper = ScriptPrototypeRunInThisContext(script);', 'R2', 'before'],
    ['  ReflectApply(wrapper, module2.exports, [module2.exports, requireFor(path), module2, path, join(path, "..")]);', 'R3', 'after'],
  ];
  for (const [line, key, where] of marks) {
    const i = text.indexOf(line);
    if (i < 0) {
      process.stderr.write(`startup-steps: agent.cjs has no line '${line}': no ${key}\n`);
      continue;
    }
    const at = where === 'before' ? i : i + line.length;
    text = `${text.slice(0, at)}${stamp(key)}${text.slice(at)}`;
  }
  writeFileSync(file, `${stamp('E')}\n${text}`);
}

const preload = join(dir, 'command-stamps.cjs');
writeFileSync(preload, `'use strict';
const fs = require('node:fs');
const st = (k) => fs.appendFileSync(process.env.JSPROBE_STEPS, k + ' ' + process.hrtime.bigint() + '\\n');
st('B');
const cp = require('node:child_process');
const spawn = cp.ChildProcess.prototype.spawn;
cp.ChildProcess.prototype.spawn = function (...a) { st('C'); const r = spawn.apply(this, a); st('D'); return r; };
const emit = cp.ChildProcess.prototype.emit;
cp.ChildProcess.prototype.emit = function (ev, ...a) { if (ev === 'exit') st('X'); if (ev === 'close') st('Y'); return emit.call(this, ev, ...a); };
const write = process.stdout.write;
let written = false;
process.stdout.write = function (...a) { if (!written) { written = true; st('P'); } return write.apply(this, a); };
process.on('exit', () => st('H'));
`);
const prog = join(dir, 'prog.cjs');
writeFileSync(prog, `function f() { return 1; }
const fs = require('node:fs');
fs.appendFileSync(process.env.JSPROBE_STEPS, 'F ' + process.hrtime.bigint() + '\\n');
process.on('exit', () => fs.appendFileSync(process.env.JSPROBE_STEPS, 'G ' + process.hrtime.bigint() + '\\n'));
f();
`);

type Kind = 'plain' | 'traced';
const runs: Record<Kind, Record<string, number>[]> = { plain: [], traced: [] };
const loads: number[] = [];

function once(kind: Kind): Record<string, number> {
  writeFileSync(stamps, '');
  const argv = kind === 'plain' ? [prog]
    : ['--require', preload, join(copy, 'src/cli/main.cjs'), '-q', '-e', 'fn:prog.cjs:f { @c = count() }', '-c', `${JSON.stringify(NODE)} prog.cjs`];
  const a = process.hrtime.bigint();
  const r = spawnSync(NODE, argv, { cwd: dir, env: { ...process.env, JSPROBE_STEPS: stamps }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const gone = process.hrtime.bigint();
  if (r.status !== 0) throw new Error(`${kind} run: ${r.signal ?? `exit ${r.status}`}: ${r.stderr}`);
  const at: Record<string, number> = { I: Number(gone - a) / 1e6 };
  for (const line of readFileSync(stamps, 'utf8').split('\n')) {
    const [key, ns] = line.split(' ');
    if (key && ns && !(key in at)) at[key] = Number(BigInt(ns) - a) / 1e6;
  }
  return at;
}

// Ctrl-C reaches the run under way too, which then fails, and the finally below removes the copy;
// ended by the signal, this process would leave it in the checkout. A signal is said by the exit code.
for (const [signal, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) process.on(signal, () => void (process.exitCode = 128 + n));
try {
  cpSync(join(ROOT, 'build'), copy, { recursive: true });
  markAgent(join(copy, 'src/agent-bundle/agent.cjs'));
  // Warm: the copy's agent code cache and the command's compile cache are made by a first run.
  once('traced');
  once('traced');
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(loadavg()[0]);
    for (const kind of (round % 2 === 0 ? ['plain', 'traced'] : ['traced', 'plain']) as Kind[]) runs[kind].push(once(kind));
  }
  console.log(machine());
  console.log(`Medians of ${ROUNDS} interleaved rounds; 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`);
  for (const kind of ['plain', 'traced'] as Kind[]) {
    const keys = Object.keys(runs[kind][0]).sort((x, y) => runs[kind][0][x] - runs[kind][0][y]);
    const at = (k: string): number => median(runs[kind].map((o) => o[k]).filter((v) => v !== undefined));
    console.log(`${kind === 'plain' ? 'node prog.cjs' : 'jsprobe -c'}, ms from the spawn:`);
    console.log(`  ${keys.map((k) => `${k} ${at(k).toFixed(1)}`).join(' | ')}`);
    const steps = keys.slice(1).map((k, i) => `${keys[i]}→${k} ${median(runs[kind].map((o) => o[k] - o[keys[i]]).filter((v) => !Number.isNaN(v))).toFixed(1)}`);
    console.log(`  ${steps.join(' | ')}`);
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
