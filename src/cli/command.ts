// The `jsprobe` command's every path but a plain `-c` run, which front.ts starts itself and
// sooner (docs/cli.md): help, -l, --dry-run, -p, a program of BEGIN, END and intervals run here,
// and `-c` with --prometheus or the report page, which must listen or open before the program
// starts. Exit codes: the command's own; 2 for bad input (usage, a program error, a target that
// matches nothing). front.ts loads it, from its bundle (scripts/bundle.mjs).

import { readFileSync } from 'node:fs';
import type { CompiledProgram } from '../lang/compile.js';
import { describePoint, listProbePoints, nearProbePoints } from '../targets/probe-points.js';
import type { MapData } from '../agg/maps.js';
import { HELP, splitCommand, UsageError, type CliOptions } from './args.js';
import type { MetricsServer } from './prometheus.js';
import { attachPoints, checkOptions, compileChecked, fail, meanHint, nearHint, unparsedWarning, type Found, type Returnless } from './program-check.js';
import { NO_RETURN_INSTEAD, wrapSees } from '../sites/breakpoint-advice.js';
import { cjsHolders, type CjsHolders } from '../targets/cjs-holders.js';
import { prepareLaunch } from './launch.js';
import { otlpExport, relay, type Metrics } from './relay.js';
import { sink, type Sink } from './sink.js';
import type { StdoutWatch } from './stdout.js';
import type { UserText } from './verbs/options.js';
import { version } from './version.js';
// Attaching (ws, http), running a program here (the whole library), --prometheus and the report
// page are imported when they are used.

function listing(pattern: string, lines: boolean): number {
  let points;
  let unsure: { file: string; why: string } | undefined;
  try {
    points = listProbePoints(pattern, { unparsed: unparsedWarning(pattern), cache: true, lines, unsure: (file, why) => (unsure = { file, why }) });
  } catch (e) {
    return fail(`${(e as Error).message}${nearHint(pattern)}`);
  }
  // A module is there whose text does not hold all its exports: none found there is no answer.
  if (points.length === 0 && unsure !== undefined) return unknownExports(pattern, unsure.file, unsure.why);
  if (unsure !== undefined) unsureWarning(pattern)(unsure.file, unsure.why);
  if (points.length === 0) return fail(`nothing matches ${pattern}${nearHint(pattern)}`);
  for (const p of points) process.stdout.write(`${describePoint(p)}\n`);
  return 0;
}

/**
 * -l of a module's exports (`express#*`, where express's index.js is `module.exports =
 * require('./lib/express')`) where its text shows none that match and does not hold them all
 * (`why`): they are known only when the module loads, which -l does not do, as --dry-run says of
 * such a target. Not an error: a probe on one is checked when the program loads it (exit 0).
 */
function unknownExports(pattern: string, file: string, why: string): number {
  const module = pattern.slice(0, pattern.indexOf('#'));
  process.stderr.write(`jsprobe: ${pattern}: ${module}'s exports are known only when it loads, and -l does not load it (that would run its code): ` +
    `the text of ${file} shows none that match, and ${why}. A probe on one (fn:${module}#NAME) is checked when the program loads the module, ` +
    `as --dry-run says${meanHint(nearProbePoints(pattern))}\n`);
  return 0;
}

/** What a listing of a module's exports, read from its text, says where the text may not hold them all. */
function unsureWarning(pattern: string): (file: string, why: string) => void {
  return (file, why) => process.stderr.write(`jsprobe: ${pattern}: the exports are read from ${file}'s text, not by loading it (which would run it), ` +
    `and ${why}: exports made there are not listed (jsprobe -l '${file}:*' lists the functions in the file)\n`);
}

function dryRun(program: CompiledProgram, found: Found): number {
  const n = program.probes.length;
  process.stdout.write(`would attach ${n} probe${n === 1 ? '' : 's'}:\n`);
  for (const c of program.probes) {
    const points = found.points.get(c.probe.at) ?? [];
    process.stdout.write(`  ${c.probe.text}: ${points.length} match${points.length === 1 ? '' : 'es'}\n`);
    for (const p of points.slice(0, 10)) process.stdout.write(`    ${p}\n`);
    if (points.length > 10) process.stdout.write(`    … ${points.length - 10} more\n`);
  }
  for (const [list, name] of [[program.begin, 'BEGIN'], [program.end, 'END'], [program.intervals, 'interval'], [program.profiles, 'profile']] as const) {
    for (const c of list) process.stdout.write(`  ${name === 'interval' || name === 'profile' ? c.probe.text : name}\n`);
  }
  process.stdout.write(`maps: ${program.maps.map((m) => `@${m.name} (${m.agg})`).join(', ') || 'none'}\n`);
  return 0;
}

/** What an fnret probe whose matches are all in `returnless` is told in a process where live edits are off for `why`. */
function refusedLine(
  text: string, pid: number, returnless: { names: string[]; of: number }, why: string, sure: boolean, exportsUnread = false,
): string {
  const { names, of } = returnless;
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, and ${names.length - 3} more` : '');
  const one = names.length === 1;
  const sites = `${sure ? '' : 'may '}${one ? `get${sure ? 's' : ''} a breakpoint site, which sees` : 'get breakpoint sites, which see'}`;
  // Where the file makes its exports in a way not read here, a property may hold the function at run time.
  const unread = exportsUnread
    ? ' (or a wrap site, which sees its returns, where a property of the module\'s exports holds it: the file makes them in a way the dry run does not read)'
    : '';
  const alone = `an async function's or a generator's entries alone${unread}`;
  if (names.length < of) {
    return `jsprobe: ${text}: in process ${pid}, ${names.length} of its ${of} functions (${shown}) ${sites} ${alone}: it runs for the others only (${why})\n`;
  }
  const instead = `${NO_RETURN_INSTEAD[0].toUpperCase()}${NO_RETURN_INSTEAD.slice(1)}`;
  return `jsprobe: ${text}: ${sure ? 'would not attach' : 'may not attach'} in process ${pid}: ${why}, so ${shown} ${sites} ${alone}: `
    + `fnret would never run, and the attach takes it off. ${instead}\n`;
}

/**
 * Where live edits are off (`why`), the attach gives a function a property holds a wrap site, which
 * sees its returns (live.ts's withoutEdit): said of each such match of an fnret probe, with what a
 * wrap site does not see, as the attach says it. The others are `blind` (a breakpoint site there);
 * `sure`: the file says which properties hold its functions, so none of them is held at run time.
 */
function wrapLines(text: string, pid: number, returnless: Returnless, why: string): { blind: string[]; sure: boolean } {
  const blind: string[] = [];
  let sure = true;
  const files = new Map<string, CjsHolders>();
  for (let i = 0; i < returnless.names.length; i++) {
    const { file, name } = returnless.points[i];
    let holders = file === undefined ? undefined : files.get(file);
    if (file !== undefined && holders === undefined) files.set(file, holders = cjsHolders(file));
    const at = holders?.holderOf(name);
    if (at === undefined) {
      blind.push(returnless.names[i]);
      if (holders === undefined || holders.unsure) sure = false;
      continue;
    }
    process.stderr.write(`jsprobe: ${text}: in process ${pid}, ${returnless.names[i]} gets ${wrapSees(at)} (${why})\n`);
  }
  return { blind, sure };
}

/**
 * Live edits on (Node 20, 22), in a process that runs its TypeScript through tsx: a .ts file runs
 * as tsx's output, a module on one line, where LiveEdit patches no function, so the attach gives
 * its functions breakpoint sites, and an fnret probe on its async functions and generators would
 * never run. Said as the attach would, as a "may": which files tsx compiled is not read from outside.
 */
function tsxLines(program: CompiledProgram, found: Found, pid: number): void {
  const why = "its TypeScript runs as tsx's output, a module on one line, where V8's LiveEdit patches no function";
  for (const c of program.probes) {
    const returnless = found.entriesOnly.get(c.probe.at);
    if (returnless === undefined) continue;
    const names = returnless.names.filter((_, i) => /\.[cm]?tsx?$/.test(returnless.points[i].file ?? ''));
    if (names.length > 0) process.stderr.write(refusedLine(c.probe.text, pid, { names, of: returnless.of }, why, false));
  }
}

/**
 * --dry-run -p: the same truth as the attach, read from outside without signalling anything: each
 * process checked as an attach checks it, and each fnret probe that the runtime there would take
 * off as never running said (an async function's breakpoint site, where live edits are off).
 * Exit 1 when no process would be traced (each fails its check, or no probe would attach there), as the attach would.
 */
async function dryRunAttached(program: CompiledProgram, found: Found, pids: readonly number[]): Promise<number> {
  const code = dryRun(program, found);
  const { AttachError, liveEditsIn, runsTsx } = await import('../attach/client.js');
  let failed = 0;
  let empty = 0;
  for (const pid of pids) {
    let view;
    try {
      view = liveEditsIn(pid);
    } catch (e) {
      if (!(e instanceof AttachError)) throw e;
      process.stderr.write(`jsprobe: ${e.message}\n`);
      failed++;
      continue;
    }
    const why = view.offWhy ?? (view.offWhy === undefined ? 'its binary does not say which Node it is, and live edits are off on Node 24 and later' : null);
    if (why === null) {
      if (runsTsx(pid)) tsxLines(program, found, pid);
      continue;
    }
    let refused = 0;
    for (const c of program.probes) {
      const returnless = found.entriesOnly.get(c.probe.at);
      if (returnless === undefined) continue;
      const { blind, sure } = wrapLines(c.probe.text, pid, returnless, why);
      if (blind.length === 0) continue;
      const certain = sure && view.offWhy !== undefined;
      process.stderr.write(refusedLine(c.probe.text, pid, { names: blind, of: returnless.of }, why, certain, !sure));
      if (blind.length === returnless.of && certain) refused++;
    }
    if (refused > 0 && refused === program.probes.length) {
      process.stderr.write(`jsprobe: no probe would attach in process ${pid}: nothing to trace\n`);
      empty++;
    }
  }
  // As the attach: exit 1 when no process would be traced (with several, the others go on).
  return failed + empty === pids.length ? 1 : code;
}

/** A program with only BEGIN, END and intervals runs here, until exit() or Ctrl-C. */
async function runLocal(program: CompiledProgram, o: CliOptions, out: Sink, metrics?: MetricsServer): Promise<number> {
  const { start } = await import('../program/session.js');
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    let session: ReturnType<typeof start> | null = null;
    const end = (code: number) => {
      clearInterval(keepAlive);
      if (session !== null && 'finish' in session) session.finish();
      out.close();
      resolve(code);
    };
    process.once('SIGINT', () => end(130));
    process.once('SIGTERM', () => end(143));
    const warn = (s: string) => void process.stderr.write(s);
    const limits = { maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen };
    session = start(program, { format: o.format, write: out.write, exit: () => queueMicrotask(() => end(0)), warn, ...limits });
    if ('error' in session) {
      process.stderr.write(`${session.error}\n`);
      end(2);
    } else if (metrics !== undefined) {
      const maps = session.maps;
      metrics.source = () => Promise.resolve(maps());
    }
  });
}

/** -p: the first target's command line, for --otlp's service.name (empty when /proc cannot say). */
function attachedCommand(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** Attach failures are one line and exit 1. */
async function attached(run: (client: typeof import('../attach/client.js')) => Promise<number>): Promise<number> {
  const client = await import('../attach/client.js');
  const { AttachError } = client;
  try {
    return await run(client);
  } catch (e) {
    if (e instanceof AttachError) {
      process.stderr.write(`jsprobe: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * -l PATTERN -p PID[,PID...]: each process's probe points, one process at a time (each attach opens
 * the port window once). With several, each list follows a `pid N:` line; a process that cannot be
 * attached gets its one line on stderr and the others are still listed (exit 1, as -p does). As
 * without -p, none is an error (exit 2) with the nearest targets: when no process has a match.
 */
async function listingAttached(pids: number[], pattern: string, lines: boolean): Promise<number> {
  let failed = 0;
  const none: { pid: number; message: string }[] = [];
  for (const pid of pids) {
    const code = await attached(async ({ listAttached }) => {
      const { points, near, error } = await listAttached(pid, pattern, lines);
      if (points.length === 0) {
        none.push({ pid, message: `${error ?? `nothing matches ${pattern}`}${meanHint(near ?? [])}` });
        return 0;
      }
      if (pids.length > 1) process.stdout.write(`pid ${pid}:\n`);
      for (const l of points) process.stdout.write(`${pids.length > 1 ? '  ' : ''}${l}\n`);
      return 0;
    });
    if (code !== 0) failed++;
  }
  for (const n of none) process.stderr.write(`jsprobe: ${pids.length > 1 ? `pid ${n.pid}: ` : ''}${n.message}\n`);
  if (failed > 0) return 1;
  // Every process asked, and nothing in any: the error -l gives without -p.
  return none.length === pids.length ? 2 : 0;
}

/**
 * The command for options front.ts parsed (`verb`: the verb that made the program, if one did;
 * `user`: where the user's own text is in that program).
 */
export async function main(o: CliOptions, verb: string | undefined, stdout: StdoutWatch, user?: readonly UserText[]): Promise<number> {
  if (o.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (o.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (o.list !== undefined && o.pids !== undefined) return listingAttached(o.pids, o.list, o.listLines === true);
  if (o.list !== undefined) return listing(o.list, o.listLines === true);
  const checked = compileChecked(o, verb, user);
  if (typeof checked === 'number') return checked;
  const { program, found } = checked;
  if (o.dryRun) {
    if (verb !== undefined) process.stdout.write(`jsprobe ${verb} runs this program:\n${program.source}\n`);
    return o.pids === undefined ? dryRun(program, found) : dryRunAttached(program, found, o.pids);
  }
  const bad = checkOptions(o, program, verb);
  if (bad !== undefined) return bad;
  let out: Sink;
  let command: string[] | undefined;
  const report = o.report ? await import('./report.js') : undefined;
  try {
    if (o.command !== undefined) command = splitCommand(o.command);
    out = sink(o, program, stdout, report);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  let metrics: MetricsServer | undefined;
  let PipeSnapshots: Metrics['PipeSnapshots'] | undefined;
  if (o.prometheus !== undefined) {
    const prometheus = await import('./prometheus.js');
    const { MetricsListenError, MetricsServer } = prometheus;
    PipeSnapshots = prometheus.PipeSnapshots;
    try {
      metrics = await MetricsServer.listen(o.prometheus, program.maps);
    } catch (e) {
      if (!(e instanceof MetricsListenError)) throw e;
      out.close();
      process.stderr.write(`jsprobe: ${e.message}\n`);
      return e.exit;
    }
    // Port 0 is one the system picked: the only way to learn it.
    if (!o.quiet || o.prometheus.port === 0) process.stderr.write(`jsprobe: serving the maps at ${metrics.url}\n`);
  }
  const served = (run: Promise<number>): Promise<number> => run.finally(() => metrics?.close());
  if (o.pids !== undefined) {
    const run = {
      program, format: o.format, unsafe: o.unsafe, quiet: o.quiet,
      maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen, maxPauseMs: o.maxPauseMs, write: out.write, outFile: o.outFile, verb, points: found.points,
    };
    const serve = metrics === undefined ? undefined : (snapshot: () => Promise<MapData[]>) => void (metrics.source = snapshot);
    const spans = await otlpExport(o, program, attachedCommand(o.pids[0]));
    const traced = attached(({ traceAttached }) => traceAttached(o.pids!, { ...run, spans }, serve).finally(() => out.close()));
    return served(traced.then(async (code) => {
      await spans?.end();
      return code;
    }));
  }
  if (o.command === undefined) return served(runLocal(program, o, out, metrics));
  const relayed = metrics === undefined ? undefined : { server: metrics, PipeSnapshots: PipeSnapshots! };
  const points = attachPoints(program, found);
  return served(prepareLaunch(program, o, command!).then((launch) => (typeof launch === 'number' ? launch : relay(launch, program, o, out, relayed, points))));
}
