// A `-c` run from its spawn to its end: the program started with the pipes (fd 3 for what the
// agent prints and its maps, fd 4 for the command's requests), what the agent prints relayed to
// the sink, Ctrl-C and the other stop signals passed on, and the maps of every process printed
// once however the program ends. What it needs only later (the print at the end, --otlp's
// exporter, the busy stop) loads once the program is on its way, beside its start.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Duplex, Readable } from 'node:stream';
import type { MapData } from '../agg/maps.js';
import type { CompiledProgram } from '../lang/compile.js';
import { LostEvents } from '../program/lost.js';
import { onceEach } from '../program/said-once.js';
import { LineReader } from '../program/message-reader.js';
import type { Message } from '../program/messages.js';
import { ENDING_LINE, STOP_GRACE_MS } from '../program/stop-grace.js';
import type { CliOptions } from './args.js';
import type { Launch } from './launch.js';
import type { SpanExport } from './otlp.js';
import type { OtlpProtocol } from './otlp-protocol.js';
import type { MetricsServer, PipeSnapshots } from './prometheus.js';
import type { Sink } from './sink.js';
import { now } from '../core/clock.js';

const PROGRESS_AFTER_MS = 1000;
/** After a stop signal, how long jsprobe waits for the program before it says so. */
const STOP_NOTICE_MS = 2000;

/** How long, once the program has ended, jsprobe waits for its child processes' last maps (JSPROBE_FLUSH_MS, as the agent's). */
const CHILDREN_FLUSH_MS = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);

/** The signals' numbers (node:os), loaded once the program is on its way: nothing before the spawn needs node:os. */
let signalNumbers: Partial<Record<NodeJS.Signals, number>> | undefined;
const signals = (): Partial<Record<NodeJS.Signals, number>> =>
  (signalNumbers ??= (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants.signals);

/** --prometheus: its server, listening already, and what asks the agent for its maps (prometheus.ts, loaded for it). */
export interface Metrics {
  server: MetricsServer;
  PipeSnapshots: typeof PipeSnapshots;
}

/** How the trace ended, for the notes on maps printed from a backup: the program's signal, when, or jsprobe left it running. */
interface Ending {
  signal: NodeJS.Signals | null;
  at: number;
  left?: boolean;
}

/** Spawn the program `launch` prepared and relay it until it ends: its exit code, 128 + a signal's number, or 2. */
/** `points`: the probes after wildcard expansion (command.ts's attachPoints), which "Attaching N probes..." counts. */
export function relay(launch: Launch, program: CompiledProgram, o: CliOptions, out: Sink, metrics?: Metrics, points?: number): Promise<number> {
  const { argv, env, children, stopName } = launch;
  let exporting: Promise<SpanExport | undefined> = Promise.resolve(undefined);
  return new Promise<number>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'], env });
    // --otlp's exporter, once it is there (below); the calls that come before wait for it (a few batches at most).
    let spans: SpanExport | undefined;
    const early: [pid: number, rows: string][] = [];
    const control = child.stdio[4] as Duplex | null;
    // The control pipe is written only on a signal or for a --prometheus snapshot; an error means the program has ended.
    control?.on('error', () => {});
    // The agent answers on it when the end begins (control-pipe.ts): its main thread runs its loop,
    // however far behind the trace on fd 3 is (a backlog there is no busy thread).
    let endingSaid = false;
    control?.setEncoding('utf8');
    control?.on('data', (d: string) => void (endingSaid ||= d.includes(ENDING_LINE)));
    // --prometheus: a scrape asks the agent for its maps on the control pipe; they come back on fd 3.
    const snapshots = metrics === undefined ? undefined : new metrics.PipeSnapshots((id) => void control?.write(`${JSON.stringify({ snapshot: id })}\n`));
    // A scrape's maps: the first process's snapshot and each child process's latest (sent every second and at its end).
    if (metrics !== undefined) metrics.server.source = () => snapshots!.get().then((first) => (first === null ? null : [...first, ...children.maps()]));
    let ready = false;
    let fatal = false;
    const progress = setTimeout(() => {
      const n = program.probes.length + program.profiles.length;
      if (!ready && !o.quiet) process.stderr.write(`jsprobe: starting ${o.command} and attaching ${n} probe(s)…\n`);
    }, PROGRESS_AFTER_MS);
    const lost = new LostEvents((s) => void process.stderr.write(s));
    // A warning each thread of each process says once is said once here.
    const err = onceEach((text) => void process.stderr.write(text));
    // Until the program ends: from then on come END's output and the maps, which are never dropped.
    let ending = false;
    // The first process's maps, when it has the pipe (more than one when a shell starts several in turn).
    const maps: MapData[][] = [];
    // Each such process's last backup of its maps, until its maps come: what prints of one that is killed.
    const backups = new Map<number, { maps: MapData[][]; at: number }>();
    // Where a backup's maps print, for the note that says what they are: -o sends them to its file.
    const mapsShown = o.outFile === undefined ? 'the maps above are' : `the maps in ${o.outFile} are`;
    const onMessage = (m: Message): void => {
      switch (m.t) {
        case 'out':
          // jsprobe reads the program's output at once, whatever its own reader does, so that the
          // program never waits; what its reader is too slow for is dropped here.
          if (!ending && out.backedUp()) return lost.add(1);
          return out.write(m.text);
        case 'maps':
          if (m.pid !== undefined) backups.delete(m.pid);
          return void maps.push(m.maps);
        case 'backup':
          if (m.pid !== undefined) backups.set(m.pid, { maps: m.maps, at: now() });
          return;
        case 'err': return err(m.text);
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
          if (!o.quiet) {
            // The agent registered every probe of the program: each is on every function it matched.
            const n = points !== undefined && m.probes === program.probes.length + program.profiles.length ? points : m.probes;
            process.stderr.write(`Attaching ${n} probe${n === 1 ? '' : 's'}...\n`);
          }
          return;
        default:
          // exit stays inside the traced process (the agent acts on it there).
          return;
      }
    };
    launch.onMessage = onMessage;
    // The first process is the command's own child, with the pipes: the one a busy Ctrl-C can reach.
    let piped = false;
    // The trace text of a chunk read from the pipe, written at once after it (or before any other
    // message of it): one write(2) for the chunk, not one per line, which held the command to
    // about 15,000 lines/s on a file or a pipe (docs/benchmarks.md, bench:drain).
    let text = '';
    const writeText = (): void => {
      if (text === '') return;
      const s = text;
      text = '';
      out.write(s);
    };
    const reader = new LineReader((m) => {
      if (m.t === 'out') {
        if (!ending && out.backedUp()) return lost.add(1);
        text += m.text;
        return;
      }
      writeText();
      if (m.t === 'ready') piped = true;
      onMessage(m);
    });
    const channel = child.stdio[3] as Readable | null;
    channel?.setEncoding('utf8');
    channel?.on('data', (chunk: string) => {
      reader.push(chunk);
      writeText();
    });
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
      // The program's child processes run on with it (npm forwards the signal to a shell that does
      // not pass it on): their maps are as of their last report, which went unsaid, and `npm test`
      // under a signal to jsprobe alone printed counts a second short with no word of it.
      const at = now();
      void children.settle(0).then((running) => {
        stillRunning(running);
        return finish({ signal: null, at, left: true });
      }).then(() => resolve(128 + (signals()[signal] ?? 0)));
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
        if (ending || endingSaid || left || !piped || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
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
    // What prints the maps at the end, and --otlp's exporter, load while the program starts, not
    // before; and after the signal handlers are in place, so that a Ctrl-C meanwhile is passed on.
    const printing = import('./print-end.js');
    // And the signals' numbers, for the exit code of a program a signal ends.
    void printing.then(() => signals(), () => {});
    exporting = otlpExport(o, program, argv).then((s) => {
      spans = s;
      for (const [pid, rows] of early.splice(0)) s?.add(pid, rows);
      return s;
    }, (e: Error) => {
      early.length = 0;
      process.stderr.write(`jsprobe: --otlp: cannot start the exporter (${e.message}): no spans are sent\n`);
      return undefined;
    });
    /**
     * A process that ended without sending its maps (killed, aborted) prints its last backup, and
     * says so; where the first process was killed before its first backup, that its own maps are
     * lost. `how`: when the program ended (or jsprobe left it running, `left`), and by which signal.
     */
    const keptMaps = (how: Ending): string[] => {
      const notes: string[] = [];
      for (const [pid, b] of backups) {
        for (const m of b.maps) maps.push(m);
        const ms = Math.round(how.at - b.at);
        const kept = `${mapsShown} its last snapshot, from ${ms} ms before ${how.left === true ? 'jsprobe left it' : 'the end'}`;
        notes.push(how.left === true
          ? `jsprobe: process ${pid} runs on, untraced; ${kept}\n`
          : `jsprobe: process ${pid} ended without sending its maps${how.signal == null ? '' : ` (${o.command} was killed by ${how.signal})`}; ${kept}\n`);
      }
      if (notes.length === 0 && maps.length === 0 && piped && how.signal != null) {
        notes.push(`jsprobe: ${o.command} was killed by ${how.signal} before it sent its maps or a snapshot of them `
          + `(one a second, of maps of up to 4,096 keys): its own maps are lost\n`);
      }
      backups.clear();
      return [...notes, ...children.backedUp().map((pid) => `jsprobe: process ${pid} ended without sending its maps; ${mapsShown} its last snapshot\n`)];
    };
    const stillRunning = (running: number[]): void => {
      if (running.length === 0) return;
      process.stderr.write(`jsprobe: ${running.length} child process(es) of the program still run (pid ${running.join(', ')}): `
        + `their maps are as of their last report (each sends one a second while its event loop turns; one busy in a loop sends none)\n`);
    };
    const finish = async (ending: Ending): Promise<void> => {
      clearTimeout(progress);
      clearTimeout(stopping);
      clearTimeout(grace);
      for (const [s, handler] of handlers) process.off(s, handler);
      children.close();
      channel?.removeAllListeners('data');
      const { printEnd } = await printing;
      const notes = keptMaps(ending);
      // END runs and the maps print however the program ended, once its agent was there to trace it.
      if (!fatal && (maps.length > 0 || children.connected > 0 || piped)) {
        const warn = (text: string): void => void process.stderr.write(text);
        const limits = { maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen };
        printEnd(program, [...maps.flat(), ...children.maps()], { format: o.format, ...limits, write: out.write, warn }, children.unreported());
      }
      for (const note of notes) process.stderr.write(note);
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
      // The age of a backup printed for it is to its end, not to the end of the wait for its children below.
      const closedAt = now();
      // The program's child processes that have ended have sent their last maps: read them first.
      void children.settle(CHILDREN_FLUSH_MS).then(async (running) => {
        stillRunning(running);
        await finish({ signal: signal as NodeJS.Signals | null, at: closedAt });
        if (fatal) resolve(2);
        else if (code !== null) resolve(code);
        else resolve(128 + (signals()[signal as NodeJS.Signals] ?? 0));
      });
    });
  }).then(async (code) => {
    // However the program ended, its spans go out (or are counted as not) within the flush deadline.
    await (await exporting)?.end();
    return code;
  });
}

/** --otlp: the exporter, loaded only then (the OpenTelemetry packages cost nothing otherwise). */
export async function otlpExport(o: CliOptions, program: CompiledProgram, argv: string[]): Promise<SpanExport | undefined> {
  if (o.otlp === undefined) return undefined;
  const { commandName, openSpanExport } = await import('./otlp.js');
  const warn = (s: string): void => void process.stderr.write(s);
  const probes = program.probes.map((c) => ({ text: c.probe.text, target: c.probe.target }));
  const protocol = o.otlpProtocol as OtlpProtocol;
  return openSpanExport({ url: o.otlp, protocol, service: o.otlpService ?? commandName(argv), probes, quiet: o.quiet, warn });
}
