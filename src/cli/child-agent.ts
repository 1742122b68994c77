// The agent in a child process of a `jsprobe -c` program (a node process started under the
// command, at any depth, after the first): it has none of the command's pipes, so it connects to
// the command's Unix socket (JSPROBE_SOCKET, cli/children.ts), says who it is, and sends its output
// and its maps there through the same bounded, never-blocking sender as the first process
// (program/fd-sender.ts). It runs the probes only: BEGIN, END and intervals run once, in the first
// process, and the command merges every process's maps before it prints them. What it traces
// with is imported once the command has taken its connection (child-session.ts).

import { connect, type Socket } from 'node:net';
import { clearTimeoutSafe, setTimeoutSafe } from '../core/primordials.js';
import { FdSender } from '../program/fd-sender.js';

/** How long a child waits for the command to take its connection before it runs untraced. */
const CONNECT_TIMEOUT_MS = 2000;

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

/** Trace this process for the command at `path`; on any failure, one line on stderr and the program runs untraced. */
export async function traceChild(path: string, source: string): Promise<void> {
  let detach = (): void => {};
  const sender = await openLink(path, () => detach());
  if (typeof sender === 'string') return untraced(sender);
  // Its worker threads trace as this process's (agent.ts); its own children connect as it did.
  process.env.JSPROBE_PID = String(process.pid);
  const { traceWith } = await import('./child-session.js');
  const traced = traceWith(sender, source);
  if (typeof traced === 'string') return untraced(traced);
  detach = traced;
}
