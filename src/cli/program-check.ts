// What every path of the command does before it runs anything: the program compiled, each of its
// targets checked against the files (a positioned error, with close matches, for one that matches
// nothing), and the options that only make sense together. Bad input exits 2, before anything is
// spawned or attached.

import { readlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { isProgramError, type CompiledProbe, type CompiledProgram } from '../lang/compile.js';
import { closeMatches } from '../core/close-matches.js';
import { ProgramError } from '../lang/errors.js';
import { blockConflictShort, EVAL_CONFLICT } from '../sites/rewrite/abi.js';
import { resolveModule } from '../targets/module-export.js';
import { parseTarget } from '../targets/parse.js';
import { listProbePoints, nearProbePoints, type ProbePoint } from '../targets/probe-points.js';
import { USAGE, type CliOptions } from './args.js';
import { otlpProtocol } from './otlp-protocol.js';
import { compileCached } from './program-cache.js';
import { OptionTextError, type UserText } from './verbs/options.js';

export function fail(message: string): number {
  process.stderr.write(`jsprobe: ${message}\n`);
  return 2;
}

/** `. Did you mean …?` for a target that matches nothing, or `otherwise`. */
export function nearHint(target: string, otherwise = ''): string {
  return meanHint(nearProbePoints(target), otherwise);
}

/** `. Did you mean …?` for targets found near one that matches nothing (here or in a process -p attached to), or `otherwise`. */
export function meanHint(near: readonly string[], otherwise = ''): string {
  return near.length > 0 ? `. Did you mean ${near.join(', ')}?` : otherwise;
}

/** One line for the files of a glob that do not parse (JSX, Flow), which are left out of it. */
export function unparsedWarning(pattern: string): (file: string, reason: string) => void {
  let n = 0;
  return (file, reason) => {
    if (n++ === 0) process.stderr.write(`jsprobe: ${pattern}: ${file} does not parse and is left out (${reason}); so is any other that does not\n`);
  };
}

/** An fnret probe's matches whose returns a breakpoint site cannot see (async functions, generators), of its `of` matches. */
export interface Returnless {
  /** As targets name them. */
  names: string[];
  of: number;
  /** Each one's file and name, in the same order. */
  points: { file?: string; name: string }[];
}

/** What the targets of a program matched, by the probe's position. */
export interface Found {
  /** Each match, as --dry-run lists it. */
  points: Map<number, string[]>;
  /** For an fnret probe: its matches whose returns a breakpoint site cannot see. */
  entriesOnly: Map<number, Returnless>;
}

/** Every fn/fnret/line target must match something: else a positioned error, before anything runs. */
function checkTargets(program: CompiledProgram, attaching: boolean): Found {
  const found = new Map<number, string[]>();
  const entriesOnly: Found['entriesOnly'] = new Map();
  const pointsOf = new Map<number, ProbePoint[]>();
  for (const c of program.probes) {
    let points;
    try {
      const ref = parseTarget(c.probe.target);
      if (ref.kind === 'export' && !isBuiltin(ref.module)) {
        // Listing its exports would load the program's module here, running its code.
        found.set(c.probe.at, [`${c.probe.target} (${resolveModule(ref.module, process.cwd())}; its exports are read when the program loads it)`]);
        continue;
      }
      points = listProbePoints(c.probe.target, { unparsed: unparsedWarning(c.probe.target), cache: true });
    } catch (e) {
      throw new ProgramError(program.source, c.probe.at, `${(e as Error).message}${nearHint(c.probe.target)}`);
    }
    if (c.probe.kind === 'fnret' && isLine(c.probe.target)) {
      throw new ProgramError(program.source, c.probe.at,
        `${c.probe.target} is a line, and a line has no return for fnret: to see; use line:${c.probe.target} { … } (the locals there are names in the block)`);
    }
    if (points.length === 0) {
      const all = c.probe.target.replace(/[^:#]*$/, '*');
      throw new ProgramError(program.source, c.probe.at, `nothing matches ${c.probe.target}${nearHint(c.probe.target, ` (try jsprobe -l '${all}')`)}`);
    }
    if (c.probe.kind === 'line') checkLocals(program, c, points);
    pointsOf.set(c.probe.at, points);
    const returnless = c.probe.kind === 'fnret' ? points.filter((p) => p.entriesOnly === true) : [];
    if (returnless.length > 0) {
      const at = returnless.map((p) => ({ file: p.file, name: p.name }));
      entriesOnly.set(c.probe.at, { names: returnless.map((p) => p.target), of: points.length, points: at });
    }
    found.set(c.probe.at, points.map((p) => `${p.target}${p.file !== undefined && p.line !== undefined ? ` (${p.file}:${p.line})` : ''}`
      + (p.unsited !== undefined && !attaching ? ' (no probe site)' : '')));
  }
  // Under -p a function already loaded without a load site gets a breakpoint site instead.
  if (!attaching) unsitedWarnings(program, pointsOf);
  return { points: found, entriesOnly };
}

/**
 * A probe some of whose functions get no site (their bodies declare a name twice, or call eval
 * directly: docs/load-sites.md) fires at the others and says nothing of these: said here, before
 * the program starts. Where none has a site, the probe never fires, and says why at the end. Left
 * out: a sync function an entry count reaches all the same, where its file is rewritten for
 * counting at entry alone, which wraps no body (every probe of the program counts, so the agent
 * seals it, and this one alone wants the file).
 */
function unsitedWarnings(program: CompiledProgram, pointsOf: Map<number, ProbePoint[]>): void {
  const wanting = new Map<string, number>();
  for (const points of pointsOf.values()) {
    for (const file of new Set(points.map((p) => p.file))) if (file !== undefined) wanting.set(file, (wanting.get(file) ?? 0) + 1);
  }
  const sealed = program.probes.every((c) => c.counts !== undefined);
  for (const c of program.probes) {
    const points = pointsOf.get(c.probe.at);
    if (points === undefined) continue;
    const counted = (p: ProbePoint): boolean => sealed && c.probe.kind === 'fn' && p.unsitedSync === true && wanting.get(p.file ?? '') === 1;
    unsitedWarning(c.probe.text, c.probe.target, points, points.filter((p) => p.unsited !== undefined && !counted(p)));
  }
}

/** What unsitedWarnings says of one probe, whose `missed` functions (of its `points`) it never fires in. */
function unsitedWarning(probe: string, target: string, points: ProbePoint[], missed: ProbePoint[]): void {
  if (missed.length === 0 || missed.length === points.length) return;
  const where = (p: ProbePoint): string => `${p.name}${p.file !== undefined && p.line !== undefined ? ` (${p.file}:${p.line})` : ''}`;
  if (missed.length === 1) {
    const conflict = missed[0].unsited!;
    const what = conflict === EVAL_CONFLICT ? 'probe the functions it calls' : 'probe the functions it calls, or rename one of the two';
    const why = `its body ${blockConflictShort(conflict)} (docs/load-sites.md); ${what}`;
    process.stderr.write(`jsprobe: ${probe}: ${where(missed[0])} has no probe site, so it never fires there: ${why}\n`);
    return;
  }
  const named = missed.slice(0, 3).map(where).join(', ') + (missed.length > 3 ? `, and ${missed.length - 3} more` : '');
  process.stderr.write(`jsprobe: ${probe}: ${missed.length} of the ${points.length} functions it matches have no probe site, so it never fires ` +
    `in them: ${named} (a body that declares a name twice, or calls eval directly beside functions declared at its top level; ` +
    `jsprobe -l '${target}' marks them)\n`);
}

/**
 * Each variable a line probe's handler reads must be in scope at the line (at one of them, for a
 * glob of files): else it would read undefined at every hit. Builtins were resolved before: what
 * is left is the program's names.
 */
function checkLocals(program: CompiledProgram, c: CompiledProbe, points: readonly ProbePoint[]): void {
  const problems = [];
  for (const read of c.locals ?? []) {
    if (points.some((p) => p.locals?.includes(read.name) === true)) continue;
    problems.push({ at: read.at, message: notInScope(read.name, c.probe.target, points) });
  }
  if (problems.length > 0) throw new ProgramError(program.source, problems);
}

/** Why `name` is not read at a line probe, with what is there and the names nearest to it. */
function notInScope(name: string, target: string, points: readonly ProbePoint[]): string {
  const there = [...new Set(points.flatMap((p) => p.locals ?? []))];
  const where = points.length === 1 ? target : `any of the ${points.length} lines ${target} matches`;
  const listed = `${there.slice(0, 12).join(', ')}${there.length > 12 ? ', …' : ''}`;
  const readable = there.length > 0 ? ` (the variables there: ${listed})` : ' (no variables are in scope there)';
  const why = name === 'arguments' ? ' (a line probe reads the variables declared there, not arguments: name the parameters)'
    : points.some((p) => p.outer?.includes(name) === true)
      ? ` (${name} is declared at the module's top level, which a line probe inside a function does not read)` : '';
  // A name declared elsewhere is no misspelling of one in scope.
  const near = why === '' ? closeMatches(name, there) : [];
  const hint = near.length > 0 ? `; did you mean ${near.join(', ')}?` : '';
  return `'${name}' is no variable in scope at ${where}${why}${hint}${readable}`;
}

/** `file:LINE`, which probes a statement, not a function. */
function isLine(target: string): boolean {
  try {
    return parseTarget(target).kind === 'line';
  } catch {
    return false;
  }
}

/**
 * Under -p, a relative target names a file from the running process's working directory, as the
 * process resolves it when it attaches, not from jsprobe's: `check` runs there, in the first of the
 * processes' directories where all of it passes, and else in jsprobe's own (where the attach then
 * says what the path is taken from: target-hint.ts). Where none passes, the first process's error.
 * A directory that cannot be read (another user's process, or gone) is left out.
 */
function inTargetDirectories<T>(pids: readonly number[], check: () => T): T {
  const own = process.cwd();
  const dirs: string[] = [];
  for (const pid of pids) {
    try {
      const dir = readlinkSync(`/proc/${pid}/cwd`);
      if (!dirs.includes(dir)) dirs.push(dir);
    } catch {
      // Not ours to read, or gone: the attach says which.
    }
  }
  if (!dirs.includes(own)) dirs.push(own);
  let first: { error: unknown } | undefined;
  for (const dir of dirs) {
    try {
      process.chdir(dir);
    } catch {
      continue;
    }
    try {
      return check();
    } catch (e) {
      first ??= { error: e };
    } finally {
      process.chdir(own);
    }
  }
  if (first === undefined) return check();
  throw first.error;
}

/**
 * The program compiled and its targets checked (what each matched, by the probe's position), or
 * exit 2 with the errors said. `user`: where a verb put the user's own text in its program.
 */
export function compileChecked(o: CliOptions, verb: string | undefined, user: readonly UserText[] = []): { program: CompiledProgram; found: Found } | number {
  try {
    const program = compileCached(o.program!, { unsafe: o.unsafe });
    if (o.pids === undefined) return { program, found: checkTargets(program, false) };
    return { program, found: inTargetDirectories(o.pids, () => checkTargets(program, true)) };
  } catch (e) {
    if (isProgramError(e)) {
      const file = o.programFrom === '-e' || o.programFrom === undefined ? '' : `${o.programFrom}:`;
      // A verb's program is the command's, not the user's: a position in it would point nowhere
      // they wrote, unless it is in their own text (watch --where), where it is positioned there.
      for (const d of e.diagnostics) process.stderr.write(verb === undefined ? `${file}${d.report}\n` : `${verbReport(verb, user, d)}\n`);
      return 2;
    }
    throw e;
  }
}

/** An error in a verb's program: positioned in the user's text when it lies there, else its message alone. */
function verbReport(verb: string, user: readonly UserText[], d: { at: number; message: string }): string {
  const u = user.find((t) => d.at >= t.at && d.at < t.at + t.text.length);
  return u === undefined ? `jsprobe ${verb}: ${d.message}` : new OptionTextError(verb, u.option, u.text, d.at - u.at, d.message).message;
}

/**
 * The options that need another, or a program to trace: exit 2 with the usage, or undefined when
 * all is well. --otlp's protocol is chosen here (the flag, else the environment's).
 */
export function checkOptions(o: CliOptions, program: CompiledProgram, verb?: string): number | undefined {
  if (o.command === undefined && o.pids === undefined && program.probes.length > 0) {
    const who = verb === undefined ? 'fn:, fnret: and line: probes need' : `jsprobe ${verb} needs`;
    return fail(`${who} a program to trace: add -c 'node app.js' or -p PID\n${USAGE}`);
  }
  if (o.command === undefined && o.pids === undefined && program.profiles.length > 0) {
    return fail(`profile:hz:N samples a traced program's stacks: add -c 'node app.js' or -p PID\n${USAGE}`);
  }
  if (o.otlp !== undefined && o.command === undefined && o.pids === undefined) {
    return fail(`--otlp exports the calls of fnret probes in a traced program: add -c 'node app.js' or -p PID\n${USAGE}`);
  }
  if (o.otlpProtocol !== undefined && o.otlp === undefined) return fail(`--otlp-protocol goes with --otlp URL\n${USAGE}`);
  if (o.otlp !== undefined) {
    const chosen = otlpProtocol(o.otlpProtocol, process.env);
    if ('error' in chosen) return fail(chosen.error);
    o.otlpProtocol = chosen.protocol;
  }
  return undefined;
}

/**
 * The probes after wildcard expansion, as bpftrace counts them for "Attaching N probes...": each
 * function a target matches in the files as the command reads them (what -l lists), a module's
 * export as one, and each profile probe.
 */
export function attachPoints(program: CompiledProgram, found: Found): number {
  let n = program.profiles.length;
  for (const c of program.probes) n += found.points.get(c.probe.at)?.length ?? 1;
  return n;
}
