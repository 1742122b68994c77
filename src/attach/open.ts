// Opening a target's inspector for `jsprobe -p PID`, checked at each step: the target is a Node
// process of this user (verify.ts); its port is its own (port.ts); the lock on that port is held
// (lock.ts) from before the port is looked at until the inspector jsprobe opened is closed again;
// SIGUSR1 is sent only when the target has no inspector open there; and the socket that then
// listens must be the target's. Nothing is sent to a port before its listener is found to be
// the target's.

import { request } from 'node:http';
import { AttachError } from './attach-error.js';
import { acquire, type Lock } from './lock.js';
import { connectToTarget } from './peer.js';
import { inspectorPortOf, ownLoopbackListeners } from './port.js';
import { checkTarget, portOwnedBy } from './verify.js';

const OPEN_TIMEOUT_MS = 3000;
/** Polls of /proc while the port is about to open or close: each is in its window (~1 ms of reading /proc). */
const POLL_MS = 5;
/** How long to wait for another jsprobe attaching through the same port. */
const LOCK_WAIT_MS = 10_000;

export interface OpenInspector {
  /** The port on 127.0.0.1 where the target's inspector listens, its listener checked. */
  port: number;
  /** jsprobe opened it (SIGUSR1), and is to close it again. */
  opened: boolean;
  /** Held while an inspector jsprobe opened is open; null when jsprobe did not open it. */
  lock: Lock | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether the target's own socket on `port` is its inspector: an inspector answers /json/version
 * with `Browser: node.js/…`. Only asked of sockets found to be the target's.
 */
async function isInspector(pid: number, port: number): Promise<boolean> {
  const socket = await connectToTarget(pid, port).catch(() => null);
  if (socket === null) return false;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', path: '/json/version', timeout: 1000, createConnection: () => socket }, (res) => {
      let body = '';
      // An answer is a few hundred bytes; past 4 KiB it is not an inspector's, and is not kept.
      res.setEncoding('utf8').on('data', (d: string) => void (body.length < 4096 && (body += d))).on('end', () => {
        try {
          resolve(/^node\.js\//.test(String((JSON.parse(body) as { Browser?: unknown }).Browser)));
        } catch {
          resolve(false);
        }
      });
    });
    req.on('error', () => resolve(false)).on('timeout', () => req.destroy());
    req.end();
  });
}

/** The first of the target's listening ports (not among `except`, by inode) that is its inspector. */
async function inspectorAmong(pid: number, except: ReadonlySet<string>): Promise<number | null> {
  const ports = [...new Set(ownLoopbackListeners(pid).filter((l) => !except.has(l.inode)).map((l) => l.port))];
  for (const port of ports) if (await isInspector(pid, port)) return port;
  return null;
}

/** The port of the target's inspector if it is open now (`configured` 0: wherever it is). */
async function openNow(pid: number, configured: number): Promise<number | null> {
  if (configured !== 0) return portOwnedBy(pid, configured) === 'yes' ? configured : null;
  return inspectorAmong(pid, new Set());
}

/** After SIGUSR1: wait for the target's inspector to listen; the listener must be the target's. */
async function opening(pid: number, configured: number, before: ReadonlySet<string>): Promise<number> {
  const end = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < end) {
    await sleep(POLL_MS);
    if (configured !== 0 && portOwnedBy(pid, configured) === 'yes') return configured;
    if (configured === 0) {
      const port = await inspectorAmong(pid, before);
      if (port !== null) return port;
    }
  }
  const where = configured === 0 ? 'a port of its choosing' : `127.0.0.1:${configured}`;
  throw new AttachError(`process ${pid} did not open its inspector on ${where} within ${OPEN_TIMEOUT_MS / 1000} s (was it started with --disable-sigusr1?)`);
}

/**
 * Find or open process `pid`'s inspector. `progress` gets a line when jsprobe waits for another
 * jsprobe's attach. Throws AttachError (one line) when the target or its port cannot be trusted.
 */
export async function openInspector(pid: number, progress: (line: string) => void): Promise<OpenInspector> {
  checkTarget(pid);
  const configured = inspectorPortOf(pid);
  const lock = configured !== 0
    ? await acquire(`jsprobe-inspector-port-${configured}`, `port ${configured}`, LOCK_WAIT_MS, progress)
    : await acquire(`jsprobe-inspector-pid-${pid}`, `the inspector of process ${pid}`, LOCK_WAIT_MS, progress);
  try {
    const port = await openNow(pid, configured);
    if (port !== null) {
      lock.release();
      return { port, opened: false, lock: null };
    }
    const before = new Set(ownLoopbackListeners(pid).map((l) => l.inode));
    // Checked again just before the signal: the pid may have ended, and been reused, while waiting.
    checkTarget(pid);
    process.kill(pid, 'SIGUSR1');
    return { port: await opening(pid, configured, before), opened: true, lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

function listening(pid: number, port: number): boolean {
  try {
    return portOwnedBy(pid, port) === 'yes';
  } catch {
    return false; // someone else listens there now: the target's inspector is closed
  }
}

/** Wait (a little) for the inspector jsprobe opened to close: detach leaves nothing listening. */
export async function inspectorClosed(pid: number, port: number): Promise<void> {
  const end = Date.now() + OPEN_TIMEOUT_MS;
  while (listening(pid, port) && Date.now() < end) await sleep(POLL_MS);
}

/**
 * Let go of `lock` once process `pid` no longer listens on `port` (jsprobe closed the inspector
 * it opened, or the target ended), or after a few seconds in any case.
 */
export function releaseWhenClosed(lock: Lock, pid: number, port: number): void {
  const end = Date.now() + OPEN_TIMEOUT_MS;
  const check = (): void => {
    if (!listening(pid, port) || Date.now() >= end) lock.release();
    else setTimeout(check, POLL_MS).unref();
  };
  check();
}
