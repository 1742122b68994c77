// bench:startup — what `jsprobe -c` adds to a program's start: a trivial program plain and under
// `jsprobe -c` with one probe; a program that starts ten child node processes one after another,
// plain and under `jsprobe -c` with a probe in the child and with one on a file no child loads;
// and the peak memory (VmHWM) of the command, of the traced program and of each child, and each
// child's own CPU time. Interleaved rounds, each in its own order, medians. Node is this process's own.
// The trivial program's start is given twice: its whole run (from the spawn of the command to its
// exit), and the time to its first line, the program's own clock against this one's (both
// performance.timeOrigin + now(), the same wall clock), which leaves out the end: the maps printed
// and the command's exit.
//
//   node build/bench/startup.js [--rounds 11] [--children 10] [--compare OTHER/build/src/cli/main.cjs] [--cold]
//
// The command run is the package's bin, build/src/cli/main.cjs; an older build without it is compared
// through its build/src/cli/main.js.
//
// The children are traced only where `jsprobe -c` traces child processes: the hits line says
// whether it does (the probe counts one hit per child traced). --compare adds the same two traced
// runs with another build of the command (an older commit's), in the same rounds. The first,
// unmeasured round warms jsprobe's caches (the agent's code cache, Node's compile cache for the
// command): --cold turns both off, for what a first run pays (JSPROBE_CACHE=0, NODE_DISABLE_COMPILE_CACHE=1).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, shuffledOrder } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 11);
const CHILDREN = Number(option('children') ?? 10);
const JSPROBE = fileURLToPath(new URL('../src/cli/main.cjs', import.meta.url));
const OTHER = option('compare');
const COLD = process.argv.includes('--cold');
const NODE = process.execPath;

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-startup-'));
const at = (name: string): string => join(dir, name);

/**
 * Writes this process's peak RSS (kB, from /proc), its CPU time (ms) and that of the children it
 * has waited for (ms, /proc/self/stat's cutime and cstime, in ticks of 10 ms) to the file named
 * by `env` as it exits, and the time its first line ran (ms since the epoch) where the file
 * marked it in `firstLine`: loaded by --require, or inline. CPU time says what wall time cannot
 * on a loaded machine.
 */
const hwmAtExit = (env: string): string => `
process.on('exit', () => {
  const out = process.env.${env};
  if (!out) return;
  const fs = require('node:fs');
  const kb = /VmHWM:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  const cpu = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const first = typeof firstLine === 'number' ? ' ' + firstLine : '';
  const waited = (Number(f[13]) + Number(f[14])) * 10;
  fs.appendFileSync(out, kb + ' ' + (cpu.user + cpu.system) / 1000 + ' ' + waited + first + '\\n');
});`;

writeFileSync(at('hwm.cjs'), hwmAtExit('STARTUP_BENCH_COMMAND_HWM'));
const FIRST_LINE = 'var firstLine = performance.timeOrigin + performance.now();';
writeFileSync(at('empty.cjs'), `${FIRST_LINE}\nfunction f() { return 1; }\nf();\n${hwmAtExit('STARTUP_BENCH_PROGRAM_HWM')}\n`);
writeFileSync(at('child.cjs'), `function g() { return 1; }\ng();\n${hwmAtExit('STARTUP_BENCH_CHILD_HWM')}\n`);
writeFileSync(at('elsewhere.cjs'), 'function g() { return 1; }\n');
writeFileSync(at('parent.cjs'), [
  "const { spawnSync } = require('node:child_process');",
  `for (let i = 0; i < ${CHILDREN}; i++) {`,
  "  const r = spawnSync(process.execPath, [__dirname + '/child.cjs'], { stdio: 'inherit' });",
  "  if (r.status !== 0) throw new Error('child failed: ' + r.status);",
  '}',
  hwmAtExit('STARTUP_BENCH_PROGRAM_HWM'),
].join('\n'));

interface Run { ms: number; at: number; stdout: string; stderr: string; code: number | null }

/** One run, wall time from spawn to exit; `at`, when it was spawned, in ms since the epoch. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const at = performance.timeOrigin + t0;
    const cold = COLD ? { JSPROBE_CACHE: '0', NODE_DISABLE_COMPILE_CACHE: '1' } : {};
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...cold, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, at, stdout, stderr, code }));
  });
}

const traced = (program: string, command: string, jsprobe = JSPROBE): string[] =>
  [NODE, '--require', at('hwm.cjs'), jsprobe, '-q', '-e', program, '-c', command];
const TRIVIAL = ['fn:empty.cjs:f { @c = count() }', `${NODE} empty.cjs`] as const;
const PARENT = ['fn:child.cjs:g { @c = count() }', `${NODE} parent.cjs`] as const;
// A probe on a file no child loads: what a child whose sources match nothing pays (@c is never set).
const ELSEWHERE = ['fn:elsewhere.cjs:g { @c = count() }', `${NODE} parent.cjs`] as const;

interface Variant { name: string; argv: string[]; hits?: boolean }
const variants: Variant[] = [
  { name: 'trivial program, plain', argv: [NODE, 'empty.cjs'] },
  { name: 'trivial program, jsprobe -c, 1 probe', argv: traced(...TRIVIAL), hits: true },
  { name: `${CHILDREN} children in turn, plain`, argv: [NODE, 'parent.cjs'] },
  { name: `${CHILDREN} children in turn, jsprobe -c, probe in child`, argv: traced(...PARENT), hits: true },
];
if (OTHER !== undefined) {
  variants.push(
    { name: 'trivial program, --compare build', argv: traced(...TRIVIAL, OTHER), hits: true },
    { name: `${CHILDREN} children in turn, --compare build`, argv: traced(...PARENT, OTHER), hits: true },
  );
}
const ELSE = variants.push({ name: `${CHILDREN} children in turn, probe matching none`, argv: traced(...ELSEWHERE) }) - 1;
const ELSE_OTHER = OTHER === undefined ? -1 : variants.push({ name: `${CHILDREN} children, matching none, --compare`, argv: traced(...ELSEWHERE, OTHER) }) - 1;

const orderOf = (r: number): number[] => shuffledOrder(variants.length, r);

const isTrivial = (i: number): boolean => variants[i].name.startsWith('trivial');
const ms = variants.map(() => [] as number[]);
const hits = variants.map(() => [] as number[]);
const commandKb: number[] = [];
const programKb: number[] = [];
const plainKb: number[] = [];
const otherCommandKb: number[] = [];
const otherProgramKb: number[] = [];
const loads: number[] = [];
/** [peak RSS kB, CPU ms, its waited children's CPU ms, its first line's time] as hwmAtExit wrote them, or nothing. */
const readExit = (file: string): [number, number, number, number?][] => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number, number, number?]);
  } catch {
    return [];
  }
};
const cpuMs = variants.map(() => [] as number[]);
/** The trivial program's first line, ms after its run was spawned. */
const firstMs = variants.map(() => [] as number[]);
/** Each variant's children's peak RSS (kB) and own CPU (ms), where it starts children. */
const childKb = variants.map(() => [] as number[]);
const childCpuMs = variants.map(() => [] as number[]);

try {
  // One unmeasured round first: the disk cache and the page cache warm, as for a user's second run.
  for (let r = -1; r < ROUNDS; r++) {
    loads.push(loadavg()[0]);
    for (const i of orderOf(r)) {
      const v = variants[i];
      const files = {
        STARTUP_BENCH_COMMAND_HWM: at(`cmd-${r}-${i}`), STARTUP_BENCH_PROGRAM_HWM: at(`prog-${r}-${i}`), STARTUP_BENCH_CHILD_HWM: at(`kid-${r}-${i}`),
      };
      const out = await run(v.argv, files);
      if (out.code !== 0) throw new Error(`${v.name}: exit ${out.code}\n${out.stdout}${out.stderr}`);
      if (r < 0) continue;
      ms[i].push(out.ms);
      if (v.hits === true) hits[i].push(Number(/@c: (\d+)/.exec(out.stdout)?.[1] ?? 0));
      const command = readExit(files.STARTUP_BENCH_COMMAND_HWM);
      const program = readExit(files.STARTUP_BENCH_PROGRAM_HWM);
      const kids = readExit(files.STARTUP_BENCH_CHILD_HWM);
      childKb[i].push(...kids.map(([kb]) => kb));
      childCpuMs[i].push(...kids.map(([, ms]) => ms));
      if (i === 0) plainKb.push(...program.map(([kb]) => kb));
      if (i === 1 || (i === 4 && OTHER !== undefined)) {
        (i === 1 ? commandKb : otherCommandKb).push(...command.map(([kb]) => kb));
        (i === 1 ? programKb : otherProgramKb).push(...program.map(([kb]) => kb));
      }
      const first = program[0]?.[3];
      if (isTrivial(i) && first !== undefined) firstMs[i].push(first - out.at);
      if (isTrivial(i)) cpuMs[i].push([...command, ...program].reduce((a, [, ms]) => a + ms, 0));
      // The children's runs: the whole tree's, from the process at its top (the command, or the plain parent).
      else cpuMs[i].push(command.length > 0 ? command[0][1] + command[0][2] : program[0][1] + program[0][2]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(machine());
console.log(`Medians of ${ROUNDS} interleaved rounds; 1-minute load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}`
  + `${COLD ? '; caches off (--cold)' : ''}.`);
const mb = (kb: number[]): string => `${fmt(median(kb) / 1024, 1)} MB`;
const pair = (plain: number, probed: number, per = 1): string => {
  const a = median(ms[plain]);
  const b = median(ms[probed]);
  return `+${fmt((b - a) / per, 0)} ms${per === 1 ? '' : ' per child'}, ×${fmt(b / a, 2)}`;
};
for (const [i, v] of variants.entries()) {
  const h = v.hits === true ? `  (hits ${median(hits[i])})` : '';
  const cpu = `, CPU ${fmt(median(cpuMs[i]), 0)} ms (${isTrivial(i) ? 'command and program' : 'all its processes'})`;
  const first = isTrivial(i) ? `, first line at ${fmt(median(firstMs[i]), 0)} ms` : '';
  console.log(`${v.name.padEnd(48)} ${fmt(median(ms[i]), 0).padStart(6)} ms${first}${cpu}${h}`);
}
const firstLine = (plain: number, probed: number): string => `+${fmt(median(firstMs[probed]) - median(firstMs[plain]), 0)} ms`;
console.log(`start under jsprobe -c: ${pair(0, 1)}; to the program's first line ${firstLine(0, 1)}`);
// What a child adds: the tree's added time less the start's (the command's and the first process's,
// which the tree pays once, whatever its children: `start` is the trivial program's variant under
// the same build), over the children. Without that, each child carried a tenth of the start.
const perChild = (traced: number, start: number): string => {
  const tree = median(ms[traced]) - median(ms[2]);
  const once = median(ms[start]) - median(ms[0]);
  const cpu = median(cpuMs[traced]) - median(cpuMs[2]) - (median(cpuMs[start]) - median(cpuMs[0]));
  return `+${fmt((tree - once) / CHILDREN, 0)} ms per child, CPU +${fmt(cpu / CHILDREN, 0)} ms `
    + `(the tree +${fmt(tree / CHILDREN, 0)} ms per child, less the start's +${fmt(once, 0)} ms over ${CHILDREN})`;
};
console.log(`each child: ${perChild(3, 1)}${median(hits[3]) === CHILDREN ? '' : ` (children traced: ${median(hits[3])} of ${CHILDREN})`}`);
const rss = (command: number[], program: number[]): string =>
  `program plain ${mb(plainKb)}, traced ${mb(program)} (agent +${fmt((median(program) - median(plainKb)) / 1024, 1)} MB); the jsprobe command ${mb(command)}`;
console.log(`peak RSS: ${rss(commandKb, programKb)}`);
const kidMb = (i: number): string => `${mb(childKb[i])}${i === 2 ? '' : ` (+${fmt((median(childKb[i]) - median(childKb[2])) / 1024, 1)} MB)`}`;
console.log(`a child matching none: ${perChild(ELSE, 1)}`);
// Measured in the child itself, up to its exit: without what the child costs the processes around
// it (the first process's fork of it, the command's reading of its link), which the figures above hold.
const kidCpu = (i: number): string => `${fmt(median(childCpuMs[i]), 0)} ms${i === 2 ? '' : ` (+${fmt(median(childCpuMs[i]) - median(childCpuMs[2]), 0)})`}`;
console.log(`a child's own CPU: plain ${kidCpu(2)}, traced ${kidCpu(3)}, matching none ${kidCpu(ELSE)}`);
console.log(`a child's peak RSS: plain ${kidMb(2)}, traced ${kidMb(3)}, matching none ${kidMb(ELSE)}`);
if (OTHER !== undefined) {
  console.log(`--compare build: start ${pair(0, 4)}, to the first line ${firstLine(0, 4)}; each child ${perChild(5, 4)}; `
    + `a child matching none ${perChild(ELSE_OTHER, 4)}`);
  console.log(`--compare build, a child's own CPU: traced ${kidCpu(5)}, matching none ${kidCpu(ELSE_OTHER)}`);
  console.log(`--compare build, peak RSS: ${rss(otherCommandKb, otherProgramKb)}; a child traced ${kidMb(5)}, matching none ${kidMb(ELSE_OTHER)}`);
}
