// The session of a child process of a `jsprobe -c` program, once child-agent.ts has its link to
// the command: the load hooks, the program's probes (no BEGIN, END or interval), its maps handed to
// the command every second and at its exit, and its worker threads' merged in.

import '../register.js';
import type { MapData } from '../agg/maps.js';
import { clearIntervalSafe, hasKey, setIntervalSafe } from '../core/primordials.js';
import { unregister } from '../index.js';
import type { FdSender } from '../program/fd-sender.js';
import { withProbeRecords } from '../program/probe-records.js';
import { MainRelay } from '../program/relay.js';
import { sessionOutput, start, type Session } from '../program/session.js';
import { registerBeforeProgram } from '../targets/file-target.js';
import { workerName } from '../threads/own-threads.js';
import { programOf } from './agent-program.js';
import { turnForLastSignal } from './signal-turn.js';

/** How often a child hands the command its maps: what prints of one that is killed, or that still runs at the end. */
const SNAPSHOT_EVERY_MS = 1000;
/** Signals that end a program that does not handle them. */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A signal that would end the program (it has no handler of its own) ends it as it would have,
 * by the signal, once `end` has sent the maps. Returns what takes the listeners off again.
 */
function onEndingSignals(end: () => void): () => void {
  const listeners = ENDING_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (process.listenerCount(signal) !== 1) return;
      end();
      process.off(signal, listener);
      process.kill(process.pid, signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

/**
 * The program's probes registered in this process, as in a worker thread: no BEGIN, END or
 * interval. A string says why this process runs untraced; null, that it has said so.
 */
function startSession(sender: FdSender, source: string, compiling?: string): Exclude<Session, { error: string }> | string | null {
  let program;
  try {
    program = programOf(source);
  } catch {
    return 'its jsprobe program does not compile here';
  }
  const format = process.env.JSPROBE_FORMAT === 'json' || process.env.JSPROBE_FORMAT === 'folded' ? process.env.JSPROBE_FORMAT : 'text';
  // Before the program's first line, as in the first process: a file target looks for scripts
  // already loaded only where one it matches is (targets/file-target.ts).
  const outcome = registerBeforeProgram(() => start(program, {
    format,
    ...sessionOutput(sender),
    attached: 'worker',
    maxMapKeys: Number(process.env.JSPROBE_MAX_MAP_KEYS) || undefined,
    maxStrlen: Number(process.env.JSPROBE_MAX_STRLEN) || undefined,
    maxPauseMs: process.env.JSPROBE_MAX_PAUSE_MS === undefined ? undefined : Number(process.env.JSPROBE_MAX_PAUSE_MS),
    fixed: true,
  }), compiling);
  if (!hasKey(outcome, 'error')) return outcome;
  sender.send({ t: 'err', text: `jsprobe: process ${process.pid}: ${outcome.error}\n` });
  return null;
}

/**
 * Trace this process through `sender`; returns what stops tracing (the command has gone), or why it
 * runs untraced. `compiling`: the file whose load started it (child-watch.ts).
 */
export function traceWith(sender: FdSender, source: string, compiling?: string): (() => void) | string {
  const outcome = startSession(sender, source, compiling);
  if (outcome === null || typeof outcome === 'string') {
    sender.close();
    return outcome ?? (() => {});
  }
  // exit() in a child's probe ends nothing (the command's exit is the first process's).
  const relay = new MainRelay((_tid, m) => void (m.t === 'exit' || sender.send(m)));
  const takeWorkerLost = (): void => {
    const news = relay.newlyLost();
    for (let i = 0; i < news.length; i++) sender.dropped(news[i].lost);
  };
  const maps = (): MapData[] => {
    const own = withProbeRecords(outcome.maps(), outcome.handles);
    const workers = relay.snapshots();
    for (let i = 0; i < workers.length; i++) for (let j = 0; j < workers[i].length; j++) own[own.length] = workers[i][j];
    return own;
  };
  const snapshot = (): void => {
    takeWorkerLost();
    sender.send({ t: 'maps', maps: maps() });
  };
  const timer = setIntervalSafe(snapshot, SNAPSHOT_EVERY_MS);
  timer.unref();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearIntervalSafe(timer);
    takeWorkerLost();
    sender.finish();
    const flushMs = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);
    // By index: at exit the program may have replaced Array's iterator.
    const late = relay.flush(flushMs);
    for (let i = 0; i < late.length; i++) {
      const text = `jsprobe: process ${process.pid}: ${workerName(late[i])} did not answer within ${flushMs} ms; its maps are as of its last snapshot\n`;
      sender.send({ t: 'err', text });
    }
    takeWorkerLost();
    relay.close();
    sender.send({ t: 'maps', maps: maps() });
    sender.reportLost();
  };
  process.on('exit', end);
  const offSignals = onEndingSignals(end);
  const offTurn = turnForLastSignal();
  let detached = false;
  return (): void => {
    if (detached || ended) return;
    detached = true;
    clearIntervalSafe(timer);
    sender.close();
    offSignals();
    offTurn();
    process.off('exit', end);
    relay.close();
    void unregister(outcome.handles);
  };
}
