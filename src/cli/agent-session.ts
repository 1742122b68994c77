// The agent's session in the first traced process (agent.ts decides which one that is): it installs
// the load hooks, compiles the program (JSPROBE_PROGRAM), registers its probes, runs BEGIN and
// intervals, and at exit (however it comes: a return, a crash, exit(), Ctrl-C) runs END and sends
// the maps. What it prints goes to the command over a pipe (fd JSPROBE_OUT_FD), one JSON message a
// line, apart from the program's own stdout and stderr, through a bounded buffer that never blocks
// the program (program/fd-sender.ts). In each worker thread of the program it registers the same
// probes, keeps its own maps and reports to the main thread, which merges them before END.

import '../register.js';
import type { MapData } from '../agg/maps.js';
import { cutsIn, withCutRecord } from '../agg/safe-strlen.js';
import { now } from '../core/clock.js';
import { clearIntervalSafe, hasKey, ObjectCreate, setIntervalSafe } from '../core/primordials.js';
import { inJob } from '../core/job.js';
import { unregister } from '../index.js';
import type { CompiledProgram } from '../lang/compile.js';
import { FdSender } from '../program/fd-sender.js';
import { SNAPSHOT_SPACING, type Message } from '../program/messages.js';
import { probeRecordsIn, withProbeRecords } from '../program/probe-records.js';
import { MainRelay, WorkerRelay } from '../program/relay.js';
import { disableRegistered, sessionOutput, start, type Session } from '../program/session.js';
import { registerBeforeProgram } from '../targets/file-target.js';
import { workerName } from '../threads/own-threads.js';
import { programOf } from './agent-program.js';
import { turnForLastSignal } from './signal-turn.js';
import { childFiles } from './child-files.js';
import { readControlPipe, type ControlHooks } from './control-pipe.js';

type Started = Exclude<Session, { error: string }>;

/** Signals that end a program that does not handle them, and the exit code a shell shows for each. */
const ENDING_SIGNALS = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const;
/** How long the main thread waits at exit for the worker threads' last maps. */
const FLUSH_TIMEOUT_MS = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);
/** How often the worker threads' dropped events are added to the count the command reports. */
const WORKER_LOST_EVERY_MS = 1000;
/**
 * How often the maps go to the command as a backup, which it prints if the process ends without
 * sending them (SIGKILL, an abort, out of memory): as a child process's and a `-p` target's do.
 */
const BACKUP_EVERY_MS = Number(process.env.JSPROBE_BACKUP_MS) || 1000;
/** A backup is skipped while the time since the last is under this many times what the last cost: at most 1% of the main thread. */
const BACKUP_SPACING = 100;
/**
 * Maps of more keys than this (every thread's) are not backed up, so that no backup holds the main
 * thread for long (65,536 keys in each of three maps took 0.6-1.8 s to gather and encode on Node 20).
 */
const BACKUP_MAX_KEYS = 4096;
/** Nor is a backup longer than this as a line: a pipe takes it at once (Linux's holds 64 KiB). */
const BACKUP_MAX_BYTES = 60 * 1024;

/** What the command asks of every session, from the environment it set. */
function settings(): {
  format: 'text' | 'json' | 'folded';
  maxMapKeys?: number;
  maxStrlen?: number;
  maxPauseMs?: number;
  otlp: boolean;
} {
  const format = process.env.JSPROBE_FORMAT;
  return {
    format: format === 'json' || format === 'folded' ? format : 'text',
    maxMapKeys: Number(process.env.JSPROBE_MAX_MAP_KEYS) || undefined,
    maxStrlen: Number(process.env.JSPROBE_MAX_STRLEN) || undefined,
    maxPauseMs: process.env.JSPROBE_MAX_PAUSE_MS === undefined ? undefined : Number(process.env.JSPROBE_MAX_PAUSE_MS),
    // --otlp: calls of fnret probes go to the command as span records, on the same way out as the trace.
    otlp: process.env.JSPROBE_OTLP === '1',
  };
}

/** A worker thread: its probes, its own maps, reported to the main thread (program/relay.ts). */
export function traceWorker(source: string): void {
  let program;
  try {
    program = programOf(source);
  } catch {
    return; // the main thread has said so already
  }
  const { otlp, ...limits } = settings();
  let maps: () => MapData[] = () => [];
  const relay = new WorkerRelay(() => maps());
  const outcome = registerBeforeProgram(() => start(program, {
    ...limits, ...sessionOutput(relay), attached: 'worker', spans: otlp ? relay : undefined, fixed: true,
  }));
  if (hasKey(outcome, 'error')) relay.send({ t: 'err', text: `jsprobe: ${workerName()}: ${outcome.error}\n` });
  else maps = () => withProbeRecords(outcome.maps(), outcome.handles);
}

/** Where the first process's session is at: it has begun to end; it has stopped tracing; the worker threads' maps END gathered. */
interface State {
  exiting: boolean;
  detached: boolean;
  gathered: MapData[];
}

/** The first process's main thread and the command's end of it. */
interface First {
  /** This process's pid, read before the program's first line: the program may redefine process.pid. */
  pid: number;
  command: FdSender;
  send(m: Message): void;
  relay: MainRelay;
  outcome: Started;
  state: State;
}

/**
 * The first process's main thread. `link`: the command's socket, connected already (agent.ts),
 * when it reports there instead of on the command's pipes; `onGone` learns what to do when the
 * command goes.
 */
export async function traceFirst(source: string, link?: { sender: FdSender; onGone(detach: () => void): void }): Promise<void> {
  // The command is gone: stop tracing (set once the session runs).
  let onCommandGone = (): void => {};
  const bytes = Number(process.env.JSPROBE_BUFFER_BYTES) || undefined;
  const command = link?.sender ?? new FdSender(Number(process.env.JSPROBE_OUT_FD), { bytes, gone: () => onCommandGone() });
  // Its worker threads trace as this process's; its child processes connect to the socket.
  const pid = process.pid;
  process.env.JSPROBE_PID = String(pid);
  // The inspector port the command chose for reaching this process (launch.ts, inspectorPortOption)
  // is this process's alone: the program's own children get NODE_OPTIONS as the user gave it, and
  // `node --inspect` there listens on 9229 as it would have.
  const nodeOptions = process.env.NODE_OPTIONS;
  if (process.env.JSPROBE_INSPECT_PORT === '0' && nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions.replace(' --inspect-port=0', '');
  delete process.env.JSPROBE_INSPECT_PORT;
  const send = (m: Message): void => command.send(m);
  /** A fatal message must reach the command before the process ends. */
  function fatal(text: string): never {
    command.finish();
    send({ t: 'fatal', text });
    process.exit(2);
  }
  let program: CompiledProgram;
  try {
    program = programOf(source);
  } catch (e) {
    fatal((e as { report?: string }).report ?? String(e));
  }
  const state: State = { exiting: false, detached: false, gathered: [] };
  const relay = new MainRelay((_tid, m) => {
    // exit() in a worker ends the program, once the events read with it are out. Not while it is
    // ending already: process.exit() in an 'exit' handler would cut the maps short.
    if (m.t === 'exit') {
      // From a job of jsprobe's own: the global queueMicrotask may be the program's by now.
      if (!state.exiting) inJob(() => process.exit(0));
    } else send(m);
  });
  const { otlp, ...limits } = settings();
  // The command prints the maps, merged with those of the program's child processes (children.ts).
  const outcome = registerBeforeProgram(() => start(program, {
    ...limits,
    ...sessionOutput(command),
    exit: () => process.exit(0),
    gather: () => {
      // By index, not flat(): this runs at exit, when the program may have replaced Array's methods.
      const workers = relay.snapshots();
      const all: MapData[] = [];
      for (let i = 0; i < workers.length; i++) for (let j = 0; j < workers[i].length; j++) all[all.length] = workers[i][j];
      return (state.gathered = all);
    },
    handOver: true,
    spans: otlp ? command : undefined,
    fixed: true,
  }));
  if (hasKey(outcome, 'error')) fatal(outcome.error);
  // Its child processes wait for a source these name before they load the runtime (child-watch.ts).
  const files = childFiles(program);
  if (files === undefined) delete process.env.JSPROBE_CHILD_FILES;
  else process.env.JSPROBE_CHILD_FILES = files;
  const run: First = { pid, command, send, relay, outcome, state };
  send({ t: 'ready', probes: outcome.probes });
  const ending = endings(run);
  onCommandGone = ending.detach;
  link?.onGone(ending.detach);
  // The control pipe, which only the command's own child has: read on this thread's own loop.
  const controlFd = Number(process.env.JSPROBE_CONTROL_FD);
  const stopName = process.env.JSPROBE_STOP_NAME;
  delete process.env.JSPROBE_STOP_NAME;
  if (link === undefined && Number.isInteger(controlFd) && controlFd > 2 && stopName !== undefined) {
    const control = readControlPipe(controlFd, stopName, controlHooks(run, ending));
    ending.onEnd = () => control.ending();
  }
  // Last, the only wait here: without profile: probes, all of the above is done before this
  // returns, so that a CommonJS preload (agent-cjs.ts), which cannot wait, has it all before the
  // program's first line. The command loads the agent as an ES module, whose top-level await
  // waits for this, where the program has profile: probes (launch.ts).
  if (program.profiles.length > 0) {
    const { startProfileTick } = await import('../program/profile-tick.js');
    const text = (e: Error): string => `jsprobe: the profile tick thread failed (${e.message}): a busy main thread's samples wait for its end\n`;
    startProfileTick((e) => send({ t: 'err', text: text(e) }));
  }
}

/** How the first process's session ends: `end` (at exit, with END and the maps) or `detach` (the command is gone). */
interface Endings {
  end(): void;
  detach(): void;
  /** Run once when the end begins (a stop request is not acted on any more). */
  onEnd(): void;
  /** Ctrl-C: drop the trace that waits for the command (the first time only). */
  cut(): void;
  /** The signal listeners that end a program with none of its own. */
  listeners: (readonly [NodeJS.Signals, () => void])[];
}

/**
 * Events a worker dropped (its ring was full) count with the main thread's in "Lost N events":
 * `take` adds those dropped since it last ran; `byThread` has them all, by thread id.
 * (No Map, no iterator: this runs at exit too, when the program may have replaced them.)
 */
function workerLosses(relay: MainRelay, command: FdSender): { take(): void; byThread: Record<number, number> } {
  const byThread = ObjectCreate(null) as Record<number, number>;
  const take = (): void => {
    const news = relay.newlyLost();
    for (let i = 0; i < news.length; i++) {
      const { tid, lost } = news[i];
      byThread[tid] = (byThread[tid] ?? 0) + lost;
      command.dropped(lost);
    }
  };
  return { take, byThread };
}

/**
 * The maps, every thread's, sent to the command every BACKUP_EVERY_MS until the end, where the pipe
 * takes them at once (a backup never waits, drops or counts as lost): what prints of a process that
 * is killed. Returns what stops it.
 */
function backups({ command, relay, outcome, state, pid }: First): () => void {
  let at = -Infinity;
  let cost = 0;
  const backup = (): void => {
    if (state.exiting || state.detached) return;
    const t0 = now();
    if (t0 - at < BACKUP_SPACING * cost) return;
    try {
      // Loops by index: the program may have replaced Array's methods by now.
      const workers = relay.snapshots();
      let keys = outcome.keyCount();
      for (let i = 0; i < workers.length; i++) for (let j = 0; j < workers[i].length; j++) keys += workers[i][j].entries.length;
      if (keys > BACKUP_MAX_KEYS) return;
      const maps: MapData[][] = [withProbeRecords(outcome.maps(), outcome.handles)];
      for (let i = 0; i < workers.length; i++) maps[maps.length] = workers[i];
      command.sendIfClear({ t: 'backup', maps, pid }, BACKUP_MAX_BYTES);
    } catch {
      // jsprobe's own timer: whatever failed here must not reach the program. The end sends the maps.
    } finally {
      at = t0;
      cost = now() - t0;
    }
  };
  const timer = setIntervalSafe(backup, BACKUP_EVERY_MS);
  timer.unref();
  return () => clearIntervalSafe(timer);
}

function endings(first: First): Endings {
  const { command, send, relay, outcome, state } = first;
  const { take: takeWorkerLost, byThread: workerLost } = workerLosses(relay, command);
  const lostTimer = setIntervalSafe(takeWorkerLost, WORKER_LOST_EVERY_MS);
  lostTimer.unref();
  const stopBackups = backups(first);
  // Whatever way the program ends, END runs and the maps print (synchronously, from 'exit'),
  // with every worker thread's maps merged in: each is asked for its last, within a bound.
  const end = (): void => {
    if (state.exiting) return;
    state.exiting = true;
    out.onEnd();
    // From here on, what is sent waits for the command (which is reading), bounded: END's output
    // and the maps must get through. The command learns it with the count of drops so far; the
    // workers' come with the last count (reportLost), and their finish() has no timer to set.
    command.finish();
    takeWorkerLost();
    // A thread is named by its tid (threads/own-threads.ts), as the program's maps name it.
    const late = relay.flush(FLUSH_TIMEOUT_MS);
    for (let i = 0; i < late.length; i++) {
      send({ t: 'err', text: `jsprobe: ${workerName(late[i])} did not answer within ${FLUSH_TIMEOUT_MS} ms; its maps are as of its last snapshot\n` });
    }
    takeWorkerLost();
    for (const id in workerLost) {
      send({ t: 'err', text: `jsprobe: ${workerLost[id]} of the lost events were in ${workerName(Number(id))}: its ring was full\n` });
    }
    // Timers and the channel from a job: a busy program's Ctrl-C runs this as an interrupt
    // (control-pipe.ts), inside whatever Node was doing. At exit the job never runs, and need not.
    inJob(() => {
      clearIntervalSafe(lostTimer);
      stopBackups();
      relay.close();
    });
    outcome.finish();
    // Loops by index: the program may have replaced Array's methods by now.
    const maps = withProbeRecords(outcome.maps(), outcome.handles);
    const records = probeRecordsIn(state.gathered);
    for (let i = 0; i < records.length; i++) maps[maps.length] = records[i];
    withCutRecord(maps, cutsIn(state.gathered));
    // With its pid: these take the place of the process's backups (relay.ts).
    send({ t: 'maps', maps, pid: first.pid });
    command.reportLost();
  };
  process.on('exit', end);
  const listeners = ENDING_SIGNALS.map(([signal, code]) => {
    const listener = (): void => {
      if (signal === 'SIGINT') out.cut();
      // The program's own handlers decide what a signal does; with none, it ends the program as it would have.
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  const offTurn = turnForLastSignal();
  // Nobody reads the trace any more: stop tracing, and let the program run on as it would have.
  // The probes go off now; the rest touches Node's state (timers, emitters, a socket), so it is
  // done from a job: this too runs as an interrupt when a busy program's Ctrl-C is handled by the
  // program itself (controlHooks' stop). No timer of the program's runs before the job does.
  const detach = (): void => {
    if (state.detached) return;
    state.detached = true;
    // Not those the program's detach() took off: disarming one of them threw, out of the control pipe's
    // listener when the command went, and ended the program by an uncaught exception.
    disableRegistered(outcome.handles);
    inJob(() => {
      clearIntervalSafe(lostTimer);
      stopBackups();
      command.close();
      for (const [signal, listener] of listeners) process.off(signal, listener);
      offTurn();
      process.off('exit', end);
      relay.close();
      void unregister(outcome.handles);
    });
  };
  // Ctrl-C: the trace that waits for a slow reader is dropped, once, and said so (FdSender.cut).
  let cut = false;
  const cutBacklog = (): void => {
    if (cut || state.exiting || state.detached) return;
    cut = true;
    const n = command.cut();
    if (n > 0) send({ t: 'err', text: `jsprobe: ${n} lines of trace not printed: Ctrl-C\n` });
  };
  const out: Endings = { end, detach, cut: cutBacklog, onEnd: () => {}, listeners };
  return out;
}

/** What the control pipe (control-pipe.ts) has the main thread do. */
function controlHooks({ send, relay, outcome, state }: First, ending: Endings): ControlHooks {
  // --prometheus: when the last snapshot was taken, and what it cost this thread (sending included), ms.
  let snapshotAt = -Infinity;
  let snapshotCost = 0;
  return {
    // On the main thread: from its loop, or in the middle of whatever it was doing (a busy loop),
    // as an interrupt. end() and detach() put off what touches Node's state to a job, but for
    // the signal listeners below: docs/attach.md ("What runs as an interrupt") says why.
    stop: (signal) => {
      if (signal === 'SIGINT') ending.cut();
      if (process.listenerCount(signal) > 1) {
        // The program handles this signal itself, once its loop is free: the trace ends here.
        ending.end();
        send({ t: 'detached', signal });
        ending.detach();
        return false;
      }
      ending.end();
      // Here, not from a job: the program is to end by the signal, which the command sends next,
      // and a busy program never reaches a job; with jsprobe's listener still there the signal
      // would only wait in Node's handler. Nothing of the program's runs again after it.
      for (const [s, listener] of ending.listeners) process.off(s, listener);
      // The maps are out: a hit between now and the signal would print after them and be missing
      // from them. The probes go off, as a detach does (the rest of it never runs before the signal).
      ending.detach();
      return true;
    },
    detach: ending.detach,
    snapshot: (id) => {
      if (state.exiting || state.detached) return;
      const t0 = now();
      if (t0 - snapshotAt < SNAPSHOT_SPACING * snapshotCost) {
        send({ t: 'snapshot', id, maps: null });
        return;
      }
      // This thread's maps and each worker's latest (at most a second old), merged by the command.
      const maps = outcome.maps();
      const workers = relay.snapshots();
      for (let i = 0; i < workers.length; i++) for (let j = 0; j < workers[i].length; j++) maps[maps.length] = workers[i][j];
      send({ t: 'snapshot', id, maps });
      snapshotAt = t0;
      snapshotCost = now() - t0;
    },
  };
}
