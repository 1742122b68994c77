// The part of `jsprobe -c` that runs inside the traced program, loaded with `--import` before the
// program's own code: it installs the load hooks, compiles the program (JSPROBE_PROGRAM), registers
// its probes, runs BEGIN and intervals, and at exit (however it comes: a return, a crash, exit(),
// Ctrl-C) runs END and prints the maps. What it prints goes to the command over a pipe (fd
// JSPROBE_OUT_FD), one JSON message a line, apart from the program's own stdout and stderr,
// through a bounded buffer that never blocks the program (program/fd-sender.ts).
// It runs in every worker thread of the program too: there it registers the same probes, keeps
// its own maps and reports to the main thread, which merges them before END.

import { isMainThread, workerData } from 'node:worker_threads';
import type { MapData } from '../agg/maps.js';
import type { FdSender } from '../program/fd-sender.js';
import type { Message } from '../program/messages.js';

// What the agent uses is imported once it knows that it traces this process: a process that it
// does not trace (a thread of its own, a process the program starts) pays for the import of
// this file alone.

/** The command is gone: stop tracing (set once the session runs). */
let onCommandGone = (): void => {};
let command: FdSender;
const send = (m: Message): void => command.send(m);
const controlFd = Number(process.env.JSPROBE_CONTROL_FD);

/** Signals that end a program that does not handle them, and the exit code a shell shows for each. */
const ENDING_SIGNALS = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const;

/** How long the main thread waits at exit for the worker threads' last maps. */
const FLUSH_TIMEOUT_MS = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);
/** How often the worker threads' dropped events are added to the count the command reports. */
const WORKER_LOST_EVERY_MS = 1000;

/** A fatal message must reach the command before the process ends. */
function fatal(text: string): never {
  command.finish();
  send({ t: 'fatal', text });
  process.exit(2);
}

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  // The watchdog and profile tick threads (watchdog.ts, program/profile-tick.ts) are jsprobe's own: they neither trace nor are traced.
  const own = workerData as { jsprobeWatchdog?: true; jsprobeProfileTick?: true } | null;
  if (!isMainThread && (own?.jsprobeWatchdog === true || own?.jsprobeProfileTick === true)) return;
  // The first node process under the command runs BEGIN, END and intervals; every thread of it
  // traces. A process started under it (a child node, at any depth) traces as a worker thread does
  // (child-agent.ts). Only the command's own child has its pipes: any other process reports on
  // the command's socket, the first one too when a shell or a program jsprobe does not trace
  // (Node 20's `node --test` runner) started it.
  let pipes = true;
  if (isMainThread) {
    const socket = process.env.JSPROBE_SOCKET;
    if (process.env.JSPROBE_PID !== undefined) {
      if (socket === undefined || process.env.JSPROBE_PID === String(process.pid)) return;
      const { traceChild } = await import('./child-agent.js');
      return traceChild(socket, source);
    }
    if (socket !== undefined && process.env.JSPROBE_COMMAND_PID !== String(process.ppid)) {
      pipes = false;
      const { openLink, untraced } = await import('./child-agent.js');
      const link = await openLink(socket, () => onCommandGone());
      if (typeof link === 'string') return untraced(link);
      command = link;
    }
    process.env.JSPROBE_PID = String(process.pid);
  } else if (process.env.JSPROBE_PID !== String(process.pid)) {
    return;
  }
  const { FdSender } = await import('../program/fd-sender.js');
  const { clearIntervalSafe, ObjectCreate, perf, PerformanceNow, ReflectApply, setIntervalSafe } = await import('../core/primordials.js');
  const { SNAPSHOT_SPACING } = await import('../program/messages.js');
  const { programThreadId } = await import('../threads/own-threads.js');
  const now = (): number => ReflectApply(PerformanceNow, perf, []) as number;
  if (pipes) {
    command = new FdSender(Number(process.env.JSPROBE_OUT_FD), {
      bytes: Number(process.env.JSPROBE_BUFFER_BYTES) || undefined,
      gone: () => onCommandGone(),
    });
  }
  await import('../register.js');
  const { compile } = await import('../lang/compile.js');
  const { start } = await import('../program/session.js');
  const { MainRelay, WorkerRelay } = await import('../program/relay.js');
  const { sessionOutput } = await import('../program/session.js');
  const { unregister } = await import('../index.js');
  const { registerBeforeProgram } = await import('../targets/file-target.js');
  const { probeRecordsIn, withProbeRecords } = await import('../program/probe-records.js');
  const { CUT_RECORD, cutsIn } = await import('../agg/safe-strlen.js');
  let program;
  try {
    program = compile(source, { unsafe: process.env.JSPROBE_UNSAFE === '1' });
  } catch (e) {
    if (!isMainThread) return; // the main thread has said so already
    fatal((e as { report?: string }).report ?? String(e));
  }
  const format = process.env.JSPROBE_FORMAT === 'json' || process.env.JSPROBE_FORMAT === 'folded' ? process.env.JSPROBE_FORMAT : 'text';
  const maxMapKeys = Number(process.env.JSPROBE_MAX_MAP_KEYS) || undefined;
  const maxStrlen = Number(process.env.JSPROBE_MAX_STRLEN) || undefined;
  const maxPauseMs = process.env.JSPROBE_MAX_PAUSE_MS === undefined ? undefined : Number(process.env.JSPROBE_MAX_PAUSE_MS);
  // --otlp: calls of fnret probes go to the command as span records, on the same way out as the trace.
  const otlp = process.env.JSPROBE_OTLP === '1';

  if (!isMainThread) {
    // A worker thread: its probes, its own maps, reported to the main thread (program/relay.ts).
    let maps: () => MapData[] = () => [];
    const relay = new WorkerRelay(() => maps());
    const outcome = registerBeforeProgram(() => start(program, {
      format, ...sessionOutput(relay), attached: 'worker', maxMapKeys, maxStrlen, maxPauseMs, spans: otlp ? relay : undefined,
    }));
    if ('error' in outcome) relay.send({ t: 'err', text: `jsprobe: thread ${programThreadId()}: ${outcome.error}\n` });
    else maps = () => withProbeRecords(outcome.maps(), outcome.handles);
    return;
  }

  let exiting = false;
  const relay = new MainRelay((_tid, m) => {
    // exit() in a worker ends the program, once the events read with it are out. Not while it is
    // ending already: process.exit() in an 'exit' handler would cut the maps short.
    if (m.t === 'exit') {
      if (!exiting) queueMicrotask(() => process.exit(0));
    } else send(m);
  });
  // The command prints the maps, merged with those of the program's child processes (children.ts).
  let gathered: MapData[] = [];
  const outcome = registerBeforeProgram(() => start(program, {
    format,
    ...sessionOutput(command),
    exit: () => process.exit(0),
    gather: () => (gathered = relay.snapshots().flat()),
    handOver: true,
    spans: otlp ? command : undefined,
    maxMapKeys,
    maxStrlen,
    maxPauseMs,
  }));
  if ('error' in outcome) fatal(outcome.error);
  if (program.profiles.length > 0) {
    const { startProfileTick } = await import('../program/profile-tick.js');
    const text = (e: Error): string => `jsprobe: the profile tick thread failed (${e.message}): a busy main thread's samples wait for its end\n`;
    startProfileTick((e) => send({ t: 'err', text: text(e) }));
  }
  send({ t: 'ready', probes: outcome.probes });
  // Events a worker dropped (its ring was full) count with the main thread's in "Lost N events".
  // (No Map, no iterator: this runs at exit too, when the program may have replaced them.)
  const workerLost = ObjectCreate(null) as Record<number, number>;
  const takeWorkerLost = (): void => {
    const news = relay.newlyLost();
    for (let i = 0; i < news.length; i++) {
      const { tid, lost } = news[i];
      workerLost[tid] = (workerLost[tid] ?? 0) + lost;
      command.dropped(lost);
    }
  };
  const lostTimer = setIntervalSafe(takeWorkerLost, WORKER_LOST_EVERY_MS);
  lostTimer.unref();
  // Whatever way the program ends, END runs and the maps print (synchronously, from 'exit'),
  // with every worker thread's maps merged in: each is asked for its last, within a bound.
  let watchdog: { ending(): void } | undefined;
  const end = (): void => {
    if (exiting) return;
    exiting = true;
    watchdog?.ending();
    // From here on, what is sent waits for the command (which is reading), bounded: END's output
    // and the maps must get through. The command learns it with the count of drops so far.
    takeWorkerLost();
    command.finish();
    // A thread is named by its tid (threads/own-threads.ts), as the program's maps name it.
    for (const id of relay.flush(FLUSH_TIMEOUT_MS)) {
      const tid = programThreadId(id);
      send({ t: 'err', text: `jsprobe: worker thread ${tid} did not answer within ${FLUSH_TIMEOUT_MS} ms; its maps are as of its last snapshot\n` });
    }
    clearIntervalSafe(lostTimer);
    takeWorkerLost();
    for (const id in workerLost) {
      send({ t: 'err', text: `jsprobe: ${workerLost[id]} of the lost events were in worker thread ${programThreadId(Number(id))}: its ring was full\n` });
    }
    relay.close();
    outcome.finish();
    // Loops by index: the program may have replaced Array's methods by now.
    const maps = withProbeRecords(outcome.maps(), outcome.handles);
    const records = probeRecordsIn(gathered);
    for (let i = 0; i < records.length; i++) maps[maps.length] = records[i];
    const cut = cutsIn(gathered);
    if (cut > 0) maps[maps.length] = { name: CUT_RECORD, entries: [], dropped: cut };
    send({ t: 'maps', maps });
    command.reportLost();
  };
  process.on('exit', end);
  const listeners = ENDING_SIGNALS.map(([signal, code]) => {
    const listener = (): void => {
      // The program's own handlers decide what a signal does; with none, it ends the program as it would have.
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  const { turnForLastSignal } = await import('./signal-turn.js');
  const offTurn = turnForLastSignal();
  // Nobody reads the trace any more: stop tracing, and let the program run on as it would have.
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
    clearIntervalSafe(lostTimer);
    command.close();
    for (const [signal, listener] of listeners) process.off(signal, listener);
    offTurn();
    process.off('exit', end);
    relay.close();
    void unregister(outcome.handles);
  };
  onCommandGone = detach;
  // --prometheus: when the last snapshot was taken, and what it cost this thread (sending included), ms.
  let snapshotAt = -Infinity;
  let snapshotCost = 0;
  if (pipes && Number.isInteger(controlFd) && controlFd > 2) {
    const { startWatchdog } = await import('./watchdog.js');
    watchdog = startWatchdog(controlFd, {
      // On the main thread, in the middle of whatever it was doing (a busy loop, most likely).
      stop: (signal) => {
        if (process.listenerCount(signal) > 1) {
          // The program handles this signal itself, once its loop is free: the trace ends here.
          end();
          send({ t: 'detached', signal });
          detach();
          return false;
        }
        end();
        for (const [s, listener] of listeners) process.off(s, listener);
        return true;
      },
      detach,
      snapshot: (id) => {
        if (exiting || detached) return;
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
    }, (e) => send({ t: 'err', text: `jsprobe: the watchdog thread failed (${e.message}): Ctrl-C cannot end the program while its main thread is busy\n` }));
  }
}

await main();
