// The `jsprobe` command (docs/cli.md): compile a program, check its targets, then start the
// command with the agent preloaded (agent.ts) and relay what the agent prints until the command
// ends. Exit codes: the command's own; 2 for bad input (usage, a program error, a target that
// matches nothing). main.ts loads it, from its bundle (scripts/bundle.mjs).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { constants, tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { compile, isProgramError, type CompiledProgram } from '../lang/compile.js';
import { ProgramError } from '../lang/errors.js';
import { resolveModule } from '../targets/module-export.js';
import { parseTarget } from '../targets/parse.js';
import { describePoint, listProbePoints, nearProbePoints } from '../targets/probe-points.js';
import type { MapData } from '../agg/maps.js';
import { HELP, parseArgs, splitCommand, USAGE, UsageError, type CliOptions } from './args.js';
import { LineReader, STOP_GRACE_MS, type Message } from '../program/messages.js';
import type { MetricsServer } from './prometheus.js';
import type { SpanExport } from './otlp.js';
import { otlpProtocol, type OtlpProtocol } from './otlp-protocol.js';
import { LostEvents } from '../program/lost.js';
import { ChildServer } from './children.js';
import { programEnv } from './program-env.js';
import { version } from './version.js';
import { verbArgs } from './verbs/index.js';
// Attaching (ws, http), running a program here (the whole library), --prometheus, the report page
// and the print at the end are imported when they are used: `jsprobe -c` starts the program
// sooner, and holds less, without them (docs/benchmarks.md, bench:startup).

const PROGRESS_AFTER_MS = 1000;
/** After a stop signal, how long jsprobe waits for the program before it says so. */
const STOP_NOTICE_MS = 2000;

function fail(message: string): number {
  process.stderr.write(`jsprobe: ${message}\n`);
  return 2;
}

/**
 * `jsprobe … | head`: the reader of stdout went away. As a Unix tool does on SIGPIPE, stop and
 * exit 141, but stop as on SIGTERM (the command is ended, an attached process is detached);
 * what was left to print goes nowhere.
 */
let stdoutGone = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (stdoutGone) return;
  stdoutGone = true;
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM');
  else process.exit(141);
});

/**
 * What stdout may hold, in bytes, that its reader has not taken yet. Past it, trace events are
 * dropped (and counted) rather than kept: stdout's writes queue in jsprobe's memory, without end,
 * when its reader is slow or stopped.
 */
const STDOUT_BACKLOG_BYTES = Number(process.env.JSPROBE_BUFFER_BYTES) || 4 << 20;

/** Where trace output goes. `backedUp` says its reader is STDOUT_BACKLOG_BYTES behind. */
interface Sink {
  write(s: string): void;
  close(): void;
  backedUp(): boolean;
}

/** Where trace output goes: stdout, or -o FILE, opened before the program starts (a UsageError if it cannot be written). */
function sink(o: CliOptions, program: CompiledProgram, report?: typeof import('./report.js')): Sink {
  const cannotWrite = (err: NodeJS.ErrnoException) => new UsageError(`-o ${o.outFile}: cannot write there (${err.code ?? err.message})`);
  if (report !== undefined) return report.reportSink(o.outFile, { program: program.source, command: o.command, pids: o.pids, version: version() }, cannotWrite);
  if (o.outFile === undefined) {
    return {
      write: (s) => void (stdoutGone || process.stdout.write(s)),
      close: () => {},
      backedUp: () => process.stdout.writableLength > STDOUT_BACKLOG_BYTES,
    };
  }
  let fd: number;
  try {
    fd = openSync(o.outFile, 'w');
  } catch (e) {
    throw cannotWrite(e as NodeJS.ErrnoException);
  }
  return { write: (s) => void writeSync(fd, s), close: () => closeSync(fd), backedUp: () => false };
}

/** `. Did you mean …?` for a target that matches nothing, or `otherwise`. */
function nearHint(target: string, otherwise = ''): string {
  const near = nearProbePoints(target);
  return near.length > 0 ? `. Did you mean ${near.join(', ')}?` : otherwise;
}

function listing(pattern: string): number {
  let points;
  try {
    points = listProbePoints(pattern, { unparsed: unparsedWarning(pattern), cache: true });
  } catch (e) {
    return fail(`${(e as Error).message}${nearHint(pattern)}`);
  }
  if (points.length === 0) return fail(`nothing matches ${pattern}${nearHint(pattern)}`);
  for (const p of points) process.stdout.write(`${describePoint(p)}\n`);
  return 0;
}

/** One line for the files of a glob that do not parse (JSX, Flow), which are left out of it. */
function unparsedWarning(pattern: string): (file: string, reason: string) => void {
  let n = 0;
  return (file, reason) => {
    if (n++ === 0) process.stderr.write(`jsprobe: ${pattern}: ${file} does not parse and is left out (${reason}); so is any other that does not\n`);
  };
}

/** Every fn/fnret/line target must match something: else a positioned error, before anything runs. */
function checkTargets(program: CompiledProgram): Map<number, string[]> {
  const found = new Map<number, string[]>();
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
    found.set(c.probe.at, points.map((p) => `${p.target}${p.file !== undefined && p.line !== undefined ? ` (${p.file}:${p.line})` : ''}`));
  }
  return found;
}

/** `file:LINE`, which probes a statement, not a function. */
function isLine(target: string): boolean {
  try {
    return parseTarget(target).kind === 'line';
  } catch {
    return false;
  }
}

function dryRun(program: CompiledProgram, found: Map<number, string[]>): number {
  const n = program.probes.length;
  process.stdout.write(`would attach ${n} probe${n === 1 ? '' : 's'}:\n`);
  for (const c of program.probes) {
    const points = found.get(c.probe.at) ?? [];
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

/**
 * The inspector port of the program jsprobe starts: 0, one the system picks, unless the user
 * chose one (any inspector option in the command or NODE_OPTIONS: theirs then stands, and
 * `node --inspect app.js` listens where it would have). jsprobe opens that inspector only to stop
 * a program too busy to see Ctrl-C (busy-stop.ts); on 9229 it would clash with whatever else
 * listens there. The agent takes it out of NODE_OPTIONS again for the program's own children.
 */
function inspectorPortOption(argv: readonly string[]): { option: string; set: boolean } {
  const chosen = /--(inspect|debug-port)/.test(`${argv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
  return chosen ? { option: '', set: false } : { option: ' --inspect-port=0', set: true };
}

/** How long, once the program has ended, jsprobe waits for its child processes' last maps (JSPROBE_FLUSH_MS, as the agent's). */
const CHILDREN_FLUSH_MS = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);

async function runCommand(program: CompiledProgram, o: CliOptions, out: Sink, metrics?: MetricsServer): Promise<number> {
  const argv = splitCommand(o.command!);
  // The messages of the processes that report on the socket are those of the first one's pipe.
  let onMessage = (_m: Message): void => {};
  let children: ChildServer;
  try {
    children = await ChildServer.open((m) => onMessage(m));
  } catch (e) {
    return fail(`cannot open a socket for the program's child processes in ${tmpdir()} (${(e as Error).message}); set TMPDIR to a writable directory`);
  }
  const agent = new URL('../agent-bundle/agent.js', import.meta.url).href;
  const port = inspectorPortOption(argv);
  // The global through which a busy main thread is reached (control-pipe.ts): hidden, and unlike any the program has.
  const stopName = `__jsprobe_stop_${process.pid}_${Math.random().toString(36).slice(2)}`;
  const env = {
    ...process.env,
    NODE_OPTIONS: `--import=${agent}${port.option} ${process.env.NODE_OPTIONS ?? ''}`.trim(),
    JSPROBE_INSPECT_PORT: port.set ? '0' : undefined,
    JSPROBE_STOP_NAME: stopName,
    ...programEnv(program),
    // Set by the traced program's main thread, for its workers: see agent.ts.
    JSPROBE_PID: undefined,
    JSPROBE_FORMAT: o.format,
    JSPROBE_UNSAFE: o.unsafe ? '1' : '0',
    JSPROBE_MAX_MAP_KEYS: o.maxMapKeys === undefined ? undefined : String(o.maxMapKeys),
    JSPROBE_MAX_STRLEN: o.maxStrlen === undefined ? undefined : String(o.maxStrlen),
    JSPROBE_MAX_PAUSE_MS: o.maxPauseMs === undefined ? undefined : String(o.maxPauseMs),
    JSPROBE_OUT_FD: '3',
    JSPROBE_CONTROL_FD: '4',
    JSPROBE_SOCKET: children.path,
    // Its own child is the only process that has the pipes (fd 3 and 4).
    JSPROBE_COMMAND_PID: String(process.pid),
    JSPROBE_OTLP: o.otlp === undefined ? undefined : '1',
  };
  const PipeSnapshots = metrics === undefined ? undefined : (await import('./prometheus.js')).PipeSnapshots;
  let exporting: Promise<SpanExport | undefined> = Promise.resolve(undefined);
  return new Promise<number>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'], env });
    // What prints the maps at the end, and --otlp's exporter, load while the program starts, not
    // before. The calls that come before the exporter is there wait for it (a few batches at most).
    const printing = import('./print-end.js');
    let spans: SpanExport | undefined;
    const early: [pid: number, rows: string][] = [];
    exporting = otlpExport(o, program, argv).then((s) => {
      spans = s;
      for (const [pid, rows] of early.splice(0)) s?.add(pid, rows);
      return s;
    }, (e: Error) => {
      early.length = 0;
      process.stderr.write(`jsprobe: --otlp: cannot start the exporter (${e.message}): no spans are sent\n`);
      return undefined;
    });
    const control = child.stdio[4] as Writable | null;
    // The control pipe is written only on a signal or for a --prometheus snapshot; an error means the program has ended.
    control?.on('error', () => {});
    // --prometheus: a scrape asks the agent for its maps on the control pipe; they come back on fd 3.
    const snapshots = PipeSnapshots === undefined ? undefined : new PipeSnapshots((id) => void control?.write(`${JSON.stringify({ snapshot: id })}\n`));
    // A scrape's maps: the first process's snapshot and each child process's latest (sent every second and at its end).
    if (metrics !== undefined) metrics.source = () => snapshots!.get().then((first) => (first === null ? null : [...first, ...children.maps()]));
    let ready = false;
    let fatal = false;
    const progress = setTimeout(() => {
      const n = program.probes.length + program.profiles.length;
      if (!ready && !o.quiet) process.stderr.write(`jsprobe: starting ${o.command} and attaching ${n} probe(s)…\n`);
    }, PROGRESS_AFTER_MS);
    const lost = new LostEvents((s) => void process.stderr.write(s));
    // Until the program ends: from then on come END's output and the maps, which are never dropped.
    let ending = false;
    // The first process's maps, when it has the pipe (more than one when a shell starts several in turn).
    const maps: MapData[][] = [];
    onMessage = (m) => {
      switch (m.t) {
        case 'out':
          // jsprobe reads the program's output at once, whatever its own reader does, so that the
          // program never waits; what its reader is too slow for is dropped here.
          if (!ending && out.backedUp()) return lost.add(1);
          return out.write(m.text);
        case 'maps': return void maps.push(m.maps);
        case 'err': return void process.stderr.write(m.text);
        case 'lost':
          if (m.end === true) ending = true;
          return lost.add(m.n);
        case 'fatal':
          fatal = true;
          return void process.stderr.write(`${m.text}\n`);
        case 'detached':
          return leave(m.signal);
        case 'snapshot':
          return snapshots?.answer(m.id, m.maps);
        case 'spans':
          if (spans === undefined && o.otlp !== undefined) return void early.push([m.pid, m.rows]);
          return spans?.add(m.pid, m.rows);
        case 'ready':
          ready = true;
          clearTimeout(progress);
          if (!o.quiet) process.stderr.write(`Attaching ${m.probes} probe${m.probes === 1 ? '' : 's'}...\n`);
          return;
        default:
          // exit stays inside the traced process (the agent acts on it there).
          return;
      }
    };
    // The first process is the command's own child, with the pipes: the one a busy Ctrl-C can reach.
    let piped = false;
    const reader = new LineReader((m) => {
      if (m.t === 'ready') piped = true;
      onMessage(m);
    });
    const channel = child.stdio[3] as Readable | null;
    channel?.setEncoding('utf8');
    channel?.on('data', (chunk: string) => reader.push(chunk));
    // Ctrl-C reaches the whole process group; a signal sent to jsprobe alone is passed on. Either
    // way jsprobe waits for the command, whose agent prints the maps on its way out; the control
    // pipe tells the agent too, which ends the trace a moment later if the program (handling the
    // signal itself) has not begun to end. When neither has happened a moment after that, the
    // program's main thread is too busy to see the signal or the pipe: jsprobe reaches it through
    // its inspector (busy-stop.ts). A program that handles the signal itself may take its time:
    // after a while jsprobe says so, and a second signal leaves it running, untraced.
    let stopping: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    let left = false;
    const leave = (signal: NodeJS.Signals) => {
      if (left) return;
      left = true;
      child.unref();
      void finish().then(() => resolve(128 + (constants.signals[signal] ?? 0)));
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping !== undefined) {
        process.stderr.write(`jsprobe: leaving ${o.command} running, untraced\n`);
        leave(signal);
        return;
      }
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      control?.write(`${JSON.stringify({ stop: signal })}\n`);
      grace = setTimeout(() => {
        if (ending || left || !piped || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        const say = (line: string): void => void (left || process.stderr.write(line));
        // Node's own "Debugger listening…" lines follow on the program's stderr: say why first.
        if (!o.quiet) say(`jsprobe: ${o.command} is too busy to see ${signal}: jsprobe stops it through its inspector, opened on 127.0.0.1 for this alone\n`);
        void import('./busy-stop.js').then(({ stopBusy }) => stopBusy(child.pid!, stopName, signal, () => child.kill(signal), say))
          .catch((e: Error) => say(`jsprobe: cannot stop ${o.command} through its inspector (${e.message})\n`));
      }, 2 * STOP_GRACE_MS);
      stopping = setTimeout(() => {
        process.stderr.write(`jsprobe: waiting for ${o.command} to end; ${signal === 'SIGINT' ? 'Ctrl-C' : signal} again leaves it running, untraced\n`);
      }, STOP_NOTICE_MS);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, () => onSignal(s)] as const);
    for (const [s, handler] of handlers) process.on(s, handler);
    const finish = async (): Promise<void> => {
      clearTimeout(progress);
      clearTimeout(stopping);
      clearTimeout(grace);
      for (const [s, handler] of handlers) process.off(s, handler);
      children.close();
      channel?.removeAllListeners('data');
      const { printEnd } = await printing;
      if (!fatal && (maps.length > 0 || children.connected > 0)) {
        const warn = (text: string): void => void process.stderr.write(text);
        const limits = { maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen };
        printEnd(program, [...maps.flat(), ...children.maps()], { format: o.format, ...limits, write: out.write, warn });
      }
      lost.end();
      out.close();
      // Closing the pipes tells the agent nobody reads the trace any more: it detaches.
      channel?.destroy();
      control?.destroy();
    };
    child.on('error', (e) => {
      clearTimeout(progress);
      children.close();
      process.stderr.write(`jsprobe: cannot start ${argv[0]}: ${e.message}\n`);
      resolve(2);
    });
    child.on('close', (code, signal) => {
      if (left) return;
      left = true;
      // The program's child processes that have ended have sent their last maps: read them first.
      void children.settle(CHILDREN_FLUSH_MS).then(async (running) => {
        if (running.length > 0) {
          process.stderr.write(`jsprobe: ${running.length} child process(es) of the program still run (pid ${running.join(', ')}): `
            + `their maps are as of their last report, at most a second old\n`);
        }
        await finish();
        if (fatal) resolve(2);
        else if (code !== null) resolve(code);
        else resolve(128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0));
      });
    });
  }).then(async (code) => {
    // However the program ended, its spans go out (or are counted as not) within the flush deadline.
    await (await exporting)?.end();
    return code;
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

/** --otlp: the exporter, loaded only then (the OpenTelemetry packages cost nothing otherwise). */
async function otlpExport(o: CliOptions, program: CompiledProgram, argv: string[]): Promise<SpanExport | undefined> {
  if (o.otlp === undefined) return undefined;
  const { commandName, openSpanExport } = await import('./otlp.js');
  const warn = (s: string): void => void process.stderr.write(s);
  const probes = program.probes.map((c) => ({ text: c.probe.text, target: c.probe.target }));
  const protocol = o.otlpProtocol as OtlpProtocol;
  return openSpanExport({ url: o.otlp, protocol, service: o.otlpService ?? commandName(argv), probes, quiet: o.quiet, warn });
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
 * attached gets its one line on stderr and the others are still listed (exit 1, as -p does).
 */
async function listingAttached(pids: number[], pattern: string): Promise<number> {
  let failed = 0;
  for (const pid of pids) {
    const code = await attached(async ({ listAttached }) => {
      const lines = await listAttached(pid, pattern);
      if (pids.length > 1) process.stdout.write(`pid ${pid}:\n`);
      for (const l of lines) process.stdout.write(`${pids.length > 1 ? '  ' : ''}${l}\n`);
      return 0;
    });
    if (code !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  let o: CliOptions;
  let verb: string | undefined;
  try {
    // A verb (watch, monitor, …) is a program the command makes for you: the rest is as with -e.
    ({ argv, verb } = verbArgs(argv));
    o = parseArgs(argv, (p) => readFileSync(p, 'utf8'));
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}\n${USAGE}`);
    throw e;
  }
  if (o.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (o.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (o.list !== undefined && o.pids !== undefined) return listingAttached(o.pids, o.list);
  if (o.list !== undefined) return listing(o.list);
  let program: CompiledProgram;
  let found: Map<number, string[]>;
  try {
    program = compile(o.program!, { unsafe: o.unsafe });
    found = checkTargets(program);
  } catch (e) {
    if (isProgramError(e)) {
      const file = o.programFrom === '-e' || o.programFrom === undefined ? '' : `${o.programFrom}:`;
      // A verb's program is the command's, not the user's: a position in it would point nowhere they wrote.
      for (const d of e.diagnostics) process.stderr.write(verb === undefined ? `${file}${d.report}\n` : `jsprobe ${verb}: ${d.message}\n`);
      return 2;
    }
    throw e;
  }
  if (o.dryRun) {
    if (verb !== undefined) process.stdout.write(`jsprobe ${verb} runs this program:\n${program.source}\n`);
    return dryRun(program, found);
  }
  if (o.command === undefined && o.pids === undefined && program.probes.length > 0) {
    return fail(`fn:, fnret: and line: probes need a program to trace: add -c 'node app.js'\n${USAGE}`);
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
  let out: Sink;
  const report = o.report ? await import('./report.js') : undefined;
  try {
    if (o.command !== undefined) splitCommand(o.command);
    out = sink(o, program, report);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  let metrics: MetricsServer | undefined;
  if (o.prometheus !== undefined) {
    const { MetricsListenError, MetricsServer } = await import('./prometheus.js');
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
      maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen, maxPauseMs: o.maxPauseMs, write: out.write,
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
  return served(runCommand(program, o, out, metrics));
}

const code = await main(process.argv.slice(2));
process.exitCode = stdoutGone ? 141 : code;
