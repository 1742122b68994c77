// The agent in a child process of a `jsprobe -c` program (a node process started under the
// command, at any depth, after the first): it has none of the command's pipes, so it connects to
// the command's Unix socket (JSPROBE_SOCKET, cli/children.ts), says who it is, and sends its output
// and its maps there through the same bounded, never-blocking sender as the first process
// (program/fd-sender.ts). It runs the probes only: BEGIN, END and intervals run once, in the first
// process, and the command merges every process's maps before it prints them.

import { turnForLastSignal } from './signal-turn.js';
import { connect, type Socket } from 'node:net';
import type { MapData } from '../agg/maps.js';
import { clearIntervalSafe, clearTimeoutSafe, setIntervalSafe, setTimeoutSafe } from '../core/primordials.js';
import { FdSender } from '../program/fd-sender.js';
import type { Session } from '../program/session.js';

/** How long a child waits for the command to take its connection before it runs untraced. */
const CONNECT_TIMEOUT_MS = 2000;
/** How often a child hands the command its maps: what prints of one that is killed, or that still runs at the end. */
const SNAPSHOT_EVERY_MS = 1000;
/** Signals that end a program that does not handle them. */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The connected socket and its descriptor, or why there is none. */
function connectTo(path: string): Promise<{ socket: Socket; fd: number } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect(path);
    // Never read: a socket that reads may be destroyed by Node on an error or the command's end,
    // closing a descriptor the sender still writes to. The sender finds a command that is gone
    // itself (EPIPE), and the command asks nothing of a child.
    socket.pause();
    const timer = setTimeoutSafe(() => {
      socket.destroy();
      resolve({ error: `no answer within ${CONNECT_TIMEOUT_MS} ms` });
    }, CONNECT_TIMEOUT_MS);
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeoutSafe(timer);
      resolve({ error: e.code ?? e.message });
    });
    socket.once('connect', () => {
      clearTimeoutSafe(timer);
      socket.on('error', () => {});
      // The sender writes to the descriptor itself (writeSync), so that the maps get out from 'exit'.
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      if (typeof fd === 'number' && fd > 2) return resolve({ socket, fd });
      socket.destroy();
      resolve({ error: 'its descriptor cannot be read' });
    });
  });
}

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

/** Why this process runs untraced, in one line on stderr: the only one jsprobe writes there. */
export function untraced(why: string): void {
  process.stderr.write(`jsprobe: process ${process.pid} runs untraced: ${why}\n`);
}

/**
 * A sender to the command's socket at `path`, which knows this process (its pid) already; or why
 * there is none. `gone`: the command has gone (told once).
 */
export async function openLink(path: string, gone: () => void): Promise<FdSender | string> {
  const link = await connectTo(path);
  if ('error' in link) return `cannot reach the jsprobe command (${link.error})`;
  link.socket.unref();
  const sender = new FdSender(link.fd, { bytes: Number(process.env.JSPROBE_BUFFER_BYTES) || undefined, gone, holder: link.socket });
  sender.send({ t: 'hello', pid: process.pid, ppid: process.ppid });
  return sender;
}

/** The program's probes registered in this process, as in a worker thread: no BEGIN, END or interval. Null when they cannot be. */
async function startSession(sender: FdSender, source: string): Promise<Exclude<Session, { error: string }> | null> {
  await import('../register.js');
  const { compile } = await import('../lang/compile.js');
  const { start, sessionOutput } = await import('../program/session.js');
  let program;
  try {
    program = compile(source, { unsafe: process.env.JSPROBE_UNSAFE === '1' });
  } catch {
    untraced('its jsprobe program does not compile here');
    return null;
  }
  const format = process.env.JSPROBE_FORMAT === 'json' || process.env.JSPROBE_FORMAT === 'folded' ? process.env.JSPROBE_FORMAT : 'text';
  const outcome = start(program, {
    format,
    ...sessionOutput(sender),
    attached: 'worker',
    maxMapKeys: Number(process.env.JSPROBE_MAX_MAP_KEYS) || undefined,
    maxStrlen: Number(process.env.JSPROBE_MAX_STRLEN) || undefined,
    maxPauseMs: process.env.JSPROBE_MAX_PAUSE_MS === undefined ? undefined : Number(process.env.JSPROBE_MAX_PAUSE_MS),
  });
  if (!('error' in outcome)) return outcome;
  sender.send({ t: 'err', text: `jsprobe: process ${process.pid}: ${outcome.error}\n` });
  return null;
}

/** Trace this process for the command at `path`; on any failure, one line on stderr and the program runs untraced. */
export async function traceChild(path: string, source: string): Promise<void> {
  let detach = (): void => {};
  const sender = await openLink(path, () => detach());
  if (typeof sender === 'string') return untraced(sender);
  // Its worker threads trace as this process's (agent.ts); its own children connect as it did.
  process.env.JSPROBE_PID = String(process.pid);
  const outcome = await startSession(sender, source);
  if (outcome === null) return sender.close();
  const { MainRelay } = await import('../program/relay.js');
  const { unregister } = await import('../index.js');
  const { withProbeRecords } = await import('../program/probe-records.js');
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
    for (const tid of relay.flush(flushMs)) {
      const text = `jsprobe: process ${process.pid}: worker thread ${tid} did not answer within ${flushMs} ms; its maps are as of its last snapshot\n`;
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
  detach = (): void => {
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
