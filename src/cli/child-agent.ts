// The agent in a child process of a `jsprobe -c` program (a node process started under the
// command, at any depth, after the first): it has none of the command's pipes, so it connects to
// the command's Unix socket (JSPROBE_SOCKET, cli/children.ts), says who it is, and sends its output
// and its maps there through the same bounded, never-blocking sender as the first process
// (program/fd-sender.ts). It runs the probes only: BEGIN, END and intervals run once, in the first
// process, and the command merges every process's maps before it prints them (child-session.ts).

import { accessSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { clearTimeoutSafe, hasKey, noProto, setTimeoutSafe } from '../core/primordials.js';
import { FdSender } from '../program/fd-sender.js';
import { encodeMessage } from '../program/messages.js';
import { traceWith } from './child-session.js';
import { untraced } from './untraced.js';

/** How long a child waits for the command to take its connection before it runs untraced. */
const CONNECT_TIMEOUT_MS = 2000;

/** The connected socket and its descriptor, or why there is none. */
function connectTo(path: string): Promise<{ socket: Socket; fd: number } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect(noProto({ path }));
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
      const fd = descriptorOf(socket);
      if (fd !== undefined) return resolve({ socket, fd });
      socket.destroy();
      resolve({ error: 'its descriptor cannot be read' });
    });
  });
}

/**
 * The descriptor of the socket to the command, which the sender writes to itself (writeSync), so
 * that the maps get out from 'exit'; undefined where it cannot be read.
 */
function descriptorOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd > 2 ? fd : undefined;
}

/** The bounded sender on the socket's descriptor. `gone`: the command has gone (told once). */
function senderOn(socket: Socket, fd: number, gone: () => void): FdSender {
  socket.unref();
  return new FdSender(fd, { bytes: Number(process.env.JSPROBE_BUFFER_BYTES) || undefined, gone, holder: socket });
}

/** Trace this process through `sender`: what stops it, or undefined when it runs untraced (said on stderr). */
function traceOn(sender: FdSender, source: string, compiling?: string): (() => void) | undefined {
  // Its worker threads trace as this process's (agent.ts); its own children connect as it did.
  process.env.JSPROBE_PID = String(process.pid);
  const traced = traceWith(sender, source, compiling);
  if (typeof traced !== 'string') return traced;
  untraced(traced);
  return undefined;
}


/**
 * A sender to the command's socket at `path`, which knows this process (its pid) already; or why
 * there is none. `gone`: the command has gone (told once).
 */
export async function openLink(path: string, gone: () => void): Promise<FdSender | string> {
  const link = await connectTo(path);
  if (hasKey(link, 'error')) return `cannot reach the jsprobe command (${link.error})`;
  const sender = senderOn(link.socket, link.fd, gone);
  sender.send({ t: 'hello', pid: process.pid, ppid: process.ppid });
  return sender;
}

/** Trace this process for the command at `path`; on any failure, one line on stderr and the program runs untraced. */
export async function traceChild(path: string, source: string): Promise<void> {
  let detach = (): void => {};
  const sender = await openLink(path, () => detach());
  if (typeof sender === 'string') return untraced(sender);
  detach = traceOn(sender, source) ?? detach;
}

/** Why the socket at `path` cannot be connected to, as the connect would have said it, if its path says. */
function whyNot(path: string): string | undefined {
  try {
    accessSync(path);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

/**
 * A sender to the command's socket at `path`, as openLink, synchronously: for a process that must
 * be traced before its first line and cannot wait for a connect (a child from inside a load hook,
 * child-watch.ts; the first process from a CommonJS preload, agent-cjs.ts). A Unix socket's connect
 * is done by the time net.connect returns (or has failed, which Node reports later), so the sender
 * writes to its descriptor at once, as it will at exit, even if the event loop never turns before
 * then. The hello is written at once: a connect that failed shows here, before anything is
 * registered, even if the process ends before Node would have said so. One that fails later: a
 * line on stderr, and `gone`.
 */
export function openLinkNow(path: string, gone: () => void): FdSender | string {
  const socket = connect(noProto({ path }));
  socket.pause();
  const fd = descriptorOf(socket);
  if (fd === undefined) {
    socket.destroy();
    return 'cannot reach the jsprobe command (its descriptor cannot be read)';
  }
  try {
    writeSync(fd, `${encodeMessage({ t: 'hello', pid: process.pid, ppid: process.ppid })}\n`);
  } catch (e) {
    socket.destroy();
    return `cannot reach the jsprobe command (${whyNot(path) ?? (e as NodeJS.ErrnoException).code})`;
  }
  let failed = false;
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    gone();
    untraced(`cannot reach the jsprobe command (${e.code ?? e.message})`);
  });
  return senderOn(socket, fd, gone);
}

/**
 * As traceChild, synchronously, from inside a load hook (child-watch.ts): the module being loaded
 * (`compiling`, if it is CommonJS) must get its sites before it runs. A connect that failed: the
 * line on stderr, and the probes come off again.
 */
export function traceChildNow(path: string, source: string, compiling?: string): void {
  let detach = (): void => {};
  const sender = openLinkNow(path, () => detach());
  if (typeof sender === 'string') return untraced(sender);
  detach = traceOn(sender, source, compiling) ?? detach;
}
