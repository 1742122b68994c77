// The lock that serialises jsprobe processes around an inspector port, from before SIGUSR1 until
// the inspector jsprobe opened is closed again: two attaches never race for one port, and the
// loser never takes (and later closes) the winner's inspector.
//
// The lock is a Unix socket bound to a name in the abstract namespace (`@jsprobe-inspector-…`).
// Binding is exclusive; the kernel lets go when the holder ends in any way (SIGKILL too), so a
// stale lock cannot exist and needs no detection; and, like ports, the namespace is per network
// namespace, so the lock has exactly the scope of the port it guards. Its holder is found through
// /proc/net/unix. Nothing is ever read from or written to the socket: a connection is closed.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { AttachError } from './attach-error.js';
import { commOf, socketOwner } from './procfs.js';

export interface Lock {
  release(): void;
  /**
   * The bound socket's file descriptor. Given to a child process as one of its stdio, it hands the
   * lock over with no window: the name stays bound while either process holds it (open.ts, closer.ts).
   */
  readonly fd: number;
}

/** Node has no public way to a server's descriptor; a Unix socket server's handle has it since Node's first releases. */
function fdOf(server: Server): number {
  return (server as unknown as { _handle: { fd: number } })._handle.fd;
}

const RETRY_MS = 25;

/** The process holding abstract socket `name`, for the progress line; null if it cannot be seen. */
export function holderOf(name: string): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Node binds an abstract name padded with NULs to the full address length; /proc shows them as '@'.
    if (f[7]?.replace(/@+$/, '') === `@${name}`) return socketOwner(f[6]);
  }
  return null;
}

function tryBind(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.destroy());
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(null) : reject(e)));
    server.listen({ path: `\0${name}`, exclusive: true }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/**
 * Take lock `name`, waiting up to `waitMs`; after a second of waiting, `progress` gets one line
 * that says who holds it. `what` names the resource for messages ("port 9229").
 */
export async function acquire(name: string, what: string, waitMs: number, progress: (line: string) => void): Promise<Lock> {
  const start = Date.now();
  let told = false;
  const holder = () => {
    const pid = holderOf(name);
    return pid === null ? 'another jsprobe' : `jsprobe process ${pid} (${commOf(pid) ?? 'gone'})`;
  };
  for (;;) {
    const server = await tryBind(name);
    if (server !== null) return { release: () => void server.close(), fd: fdOf(server) };
    const waited = Date.now() - start;
    if (waited >= waitMs) {
      throw new AttachError(`${what} stayed in use by ${holder()} for ${Math.round(waited / 1000)} s; try again when it has detached`);
    }
    if (!told && waited >= 1000) {
      told = true;
      progress(`jsprobe: waiting for ${holder()}, which is attaching through ${what}\n`);
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

/** The lock a parent handed over as file descriptor `fd` (see Lock.fd): held until this process ends. */
export function inheritedLock(fd: number): Promise<Lock> {
  return new Promise((resolve, reject) => {
    const server = createServer((c) => c.destroy());
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.unref();
      resolve({ release: () => void server.close(), fd });
    });
  });
}
