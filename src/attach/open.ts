// Opening a target's inspector for `jsprobe -p PID`, checked at each step: the target is a Node
// process of this user (verify.ts); its port is its own (port.ts); the lock on that port is held
// (lock.ts) from before the port is looked at until the inspector jsprobe opened is closed again;
// SIGUSR1 is sent only when the target has no inspector open there; and the socket that then
// listens must be the target's. Nothing is sent to a port before its listener is found to be
// the target's.

import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttachError, exitedDuringAttach } from './attach-error.js';
import { acquire, type Lock } from './lock.js';
import { leftOpenBy, markOpening, unmark } from './marker.js';
import { connectToTarget } from './peer.js';
import { inspectorPortOf, ownLoopbackListeners } from './port.js';
import { startTimeOf, stateOf, stillRuns } from './procfs.js';
import { step } from './steps.js';
import { checkTarget, portOwnedBy } from './verify.js';

/** How long to wait for the inspector to listen after SIGUSR1 (JSPROBE_OPEN_TIMEOUT_MS); then a watcher takes over. */
const OPEN_TIMEOUT_MS = 10_000;
/** How long to wait for the inspector jsprobe opened to close again. */
const CLOSE_TIMEOUT_MS = 3000;
/** Polls of /proc while the port is about to open or close: each is in its window (~1 ms of reading /proc). */
const POLL_MS = 5;
/**
 * A target with inspector port 0 that has made no new listener this long after SIGUSR1 may have had
 * its inspector open already (inspector.open(0), --inspect=0): its listeners from before are asked
 * then, and only then. A busy thread answers SIGUSR1 at its next interrupt, in milliseconds.
 */
const ASK_OLD_MS = 3000;
/** How long to wait for another jsprobe attaching through the same port. */
const LOCK_WAIT_MS = 10_000;
/** The watcher starts in ~0.1 s; a loaded machine may take seconds. */
const WATCHER_READY_MS = 10_000;
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/**
 * The watcher (closer.ts), unbundled in build/src/attach/: named from the folder above, so that
 * the path is the same from this file there and from the command's bundle (build/src/cli-bundle/).
 */
const CLOSER = fileURLToPath(new URL('../attach/closer.js', import.meta.url));

export interface OpenInspector {
  /** The port on 127.0.0.1 where the target's inspector listens, its listener checked. */
  port: number;
  /** jsprobe opened it (SIGUSR1), and is to close it again. */
  opened: boolean;
  /** Held while an inspector jsprobe opened is open; null when jsprobe did not open it. */
  lock: Lock | null;
  /** The target's start time (procfs.ts startTimeOf), which names its marker (marker.ts) with its pid. */
  startTime: string | null;
  /** This jsprobe sent SIGUSR1 (else it found the inspector open: the target's own, or one a killed jsprobe left). */
  signalled: boolean;
}

/** What the watcher is told (closer.ts): which process, which port (0: one it picks), its listeners before SIGUSR1. */
export interface WatchOrders {
  pid: number;
  /** With the pid, names the process (procfs.ts startTimeOf): a reused pid is another process. */
  startTime: string;
  configured: number;
  before: string[];
}


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

/**
 * The first of the target's listening ports that `ask` accepts (by inode) and that is its inspector.
 * `notInspector` hears of each listener that was asked and is not.
 */
async function inspectorAmong(pid: number, ask: (inode: string) => boolean, notInspector?: (inode: string) => void): Promise<number | null> {
  const byPort = new Map(ownLoopbackListeners(pid).filter((l) => ask(l.inode)).map((l) => [l.port, l.inode]));
  for (const [port, inode] of byPort) {
    if (await isInspector(pid, port)) return port;
    notInspector?.(inode);
  }
  return null;
}

/**
 * The port of the target's inspector if it listens now: on `configured`, or (0) on one of its
 * listeners not in `except`. Throws when another process holds `configured`.
 */
export async function inspectorNow(
  pid: number, configured: number, except: ReadonlySet<string>, notInspector?: (inode: string) => void,
): Promise<number | null> {
  if (configured !== 0) return portOwnedBy(pid, configured) === 'yes' ? configured : null;
  return inspectorAmong(pid, (inode) => !except.has(inode), notInspector);
}

/** JSPROBE_OPEN_TIMEOUT_MS, or the default. */
function openTimeoutMs(): number {
  const text = process.env.JSPROBE_OPEN_TIMEOUT_MS;
  if (text === undefined || text === '') return OPEN_TIMEOUT_MS;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0) throw new AttachError(`JSPROBE_OPEN_TIMEOUT_MS is a number of milliseconds above 0, not ${JSON.stringify(text)}`);
  return ms;
}

/** Stopped by a signal (Ctrl-Z, SIGSTOP) or a tracer: no signal handler runs until it is continued. */
const isStopped = (pid: number) => /^[Tt]$/.test(stateOf(pid) ?? '');

function waitingLine(pid: number, waited: number, limit: number, openBefore: boolean): string {
  const left = `giving up in ${Math.max(1, Math.round((limit - waited) / 1000))} s`;
  if (isStopped(pid)) {
    return `jsprobe: waiting for process ${pid} to open its inspector: it is stopped (SIGSTOP, Ctrl-Z or a debugger), and answers SIGUSR1 `
      + `only once continued (kill -CONT ${pid}); ${left}\n`;
  }
  // A port-0 target's sockets from before the signal not asked yet: its own inspector may be one of them.
  const or = openBefore ? `, or it has an inspector open already (asked at ${Math.min(ASK_OLD_MS, limit) / 1000} s)` : '';
  return `jsprobe: waiting for process ${pid} to open its inspector: it has not answered SIGUSR1 for ${Math.round(waited / 1000)} s, `
    + `its main thread is blocked (in a synchronous call?)${or}; ${left}\n`;
}

/** The first of Ctrl-C, SIGTERM and SIGHUP while listening: jsprobe then hands over instead of ending. */
function endingSignal(): { signal: Promise<string>; stop(): void } {
  let fire!: (name: string) => void;
  const signal = new Promise<string>((resolve) => (fire = resolve));
  const handlers = ENDING_SIGNALS.map((name) => [name, () => fire(name)] as const);
  for (const [name, h] of handlers) process.on(name, h);
  return { signal, stop: () => handlers.forEach(([name, h]) => process.off(name, h)) };
}

/**
 * Start the watcher (closer.ts) with `lock` as its fd 3, and wait until it says it is ready: its
 * pid, or null if it did not start. Detached, its stdio closed: it outlives jsprobe.
 */
function startWatcher(orders: WatchOrders, lock: Lock): Promise<number | null> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [CLOSER, JSON.stringify(orders)], { detached: true, stdio: ['ignore', 'pipe', 'ignore', lock.fd] });
    } catch {
      return resolve(null);
    }
    let said = '';
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      child.removeAllListeners();
      child.stdout!.destroy();
      // One that never said it was ready would hold the lock to no purpose.
      if (!ready) child.kill('SIGKILL');
      child.unref();
      resolve(ready ? child.pid! : null);
    };
    const timer = setTimeout(() => done(false), WATCHER_READY_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => void ((said += d).includes('ready\n') && done(true)));
    child.once('error', () => done(false)).once('exit', () => done(false));
  });
}

/**
 * SIGUSR1 cannot be taken back: an inspector that opens after jsprobe has gone would stay open,
 * for any local user to run code in. So a watcher takes over the lock and closes it when it opens.
 */
async function handOver(orders: WatchOrders, lock: Lock, why: string): Promise<AttachError> {
  const watcher = await startWatcher(orders, lock);
  const then = watcher === null
    ? 'and the watcher that was to close it when it opens did not start: it may open later, with nobody to close it'
    : `jsprobe's watcher (pid ${watcher}) will close it when it opens`;
  return new AttachError(`${why}; ${then}`);
}

/**
 * After SIGUSR1: wait for the target's inspector to listen; the listener must be the target's.
 * Not in silence: after a second, and every 5 s, a line says why it takes long. Past the bound, or
 * on Ctrl-C, SIGTERM or SIGHUP, the watcher takes over and this throws. A target that ends
 * meanwhile ends the wait (it waited out the whole bound): nothing is left to open, or to watch.
 * `leftBy`: the killed jsprobe whose marker was there before this one's (leftOpenBy), if any.
 */
async function opening(
  orders: WatchOrders, lock: Lock, progress: (line: string) => void, limit: number, leftBy: number | null,
): Promise<{ port: number; before: boolean }> {
  const { pid, configured } = orders;
  const before = new Set(orders.before);
  const start = Date.now();
  let tell = start + 1000;
  let askedOld = configured !== 0 || before.size === 0;
  const askOld = (): Promise<number | null> => inspectorAmong(pid, (inode) => before.has(inode));
  const ending = endingSignal();
  try {
    for (;;) {
      const signal = await Promise.race([sleep(POLL_MS).then(() => null), ending.signal]);
      const where = configured === 0 ? 'a port of its choosing' : `127.0.0.1:${configured}`;
      if (signal !== null) {
        const why = `${signal} while process ${pid} had not yet opened its inspector on ${where}`;
        // An inspector open from before: the signal opened nothing, and a watcher would wait for
        // one that never opens, holding the target's lock (every later attach gives up) until it ends.
        if (!askedOld && await askOld() !== null) {
          // The program's own: this marker goes. A killed jsprobe's: a marker stays (this one's,
          // whose writer ends now), for the next jsprobe to close it.
          if (leftBy === null) unmark(pid, orders.startTime);
          const left = leftBy === null ? 'it has its own inspector open' : `its inspector is open since jsprobe process ${leftBy} opened it, `
            + 'and the next jsprobe -p on it closes it';
          throw new AttachError(`${why}: ${left}; SIGUSR1 opened no other`);
        }
        throw await handOver(orders, lock, why);
      }
      // Another process on the port now may leave it before the target answers: the watcher stays for that.
      const port = await inspectorNow(pid, configured, before).catch(async (e: Error) => {
        throw e instanceof AttachError ? await handOver(orders, lock, e.message) : e;
      });
      if (port !== null) {
        step('listening');
        return { port, before: false };
      }
      // Asked by the bound at the latest: a watcher left for a target whose own inspector is open waits for good.
      if (!askedOld && Date.now() - start >= Math.min(ASK_OLD_MS, limit)) {
        askedOld = true;
        const old = await askOld();
        if (old !== null) return { port: old, before: true };
        // None (any more): one open at the signal, which then opened nothing, may have closed since
        // (a killed jsprobe's, closed by the runtime it had loaded). The signal goes again: it opens
        // the inspector now, and changes nothing where the first is still on its way.
        try {
          if (stillRuns(pid, orders.startTime)) process.kill(pid, 'SIGUSR1');
        } catch {
          // Ended just now: the look below says so.
        }
      }
      if (!stillRuns(pid, orders.startTime)) {
        unmark(pid, orders.startTime);
        throw exitedDuringAttach(pid);
      }
      const waited = Date.now() - start;
      if (waited >= limit) {
        const why = isStopped(pid) ? ': it is stopped' : ' (its main thread is blocked?)';
        throw await handOver(orders, lock, `process ${pid} did not open its inspector on ${where} within ${limit / 1000} s of SIGUSR1${why}`);
      }
      if (Date.now() >= tell) {
        progress(waitingLine(pid, waited, limit, !askedOld));
        tell = Date.now() + 5000;
      }
    }
  } finally {
    ending.stop();
  }
}

/**
 * Find or open process `pid`'s inspector. `progress` gets a line when jsprobe waits for another
 * jsprobe's attach, or for the target to answer SIGUSR1. Throws AttachError (one line) when the
 * target or its port cannot be trusted, or its inspector does not open in time.
 */
export async function openInspector(pid: number, progress: (line: string) => void): Promise<OpenInspector> {
  checkTarget(pid);
  // Read before anything is done: a bad value is a usage error, not a reason to leave a watcher.
  const limit = openTimeoutMs();
  const configured = inspectorPortOf(pid);
  const lock = configured !== 0
    ? await acquire(`jsprobe-inspector-port-${configured}`, `port ${configured}`, LOCK_WAIT_MS, progress)
    : await acquire(`jsprobe-inspector-pid-${pid}`, `the inspector of process ${pid}`, LOCK_WAIT_MS, progress);
  // Found open: the target's own, unless a jsprobe killed after SIGUSR1 and before its runtime
  // could close the port left it open. Its marker says so, and this one closes it as its own (the
  // lock it holds goes when it has). `by`: the marker's writer, read before this one's own marker.
  const foundOpen = (port: number, by: number | null): OpenInspector => {
    if (by === null) {
      lock.release();
      return { port, opened: false, lock: null, startTime: null, signalled: false };
    }
    // This one's own marker: its first try (connect() goes again) took the port over, and it stayed open.
    if (by !== process.pid) {
      progress(`jsprobe: process ${pid} has its inspector open on 127.0.0.1:${port} since jsprobe process ${by} opened it and was killed `
        + 'before it could close it: jsprobe closes it\n');
    }
    const startTime = startTimeOf(pid);
    if (startTime !== null) markOpening(pid, startTime);
    return { port, opened: true, lock, startTime, signalled: false };
  };
  try {
    // A port of the target's choosing (0) is not looked for before the signal: that would ask
    // every socket it listens on, a service's own HTTP port among them, whether it is an inspector
    // (GET /json/version), which a busy thread cannot answer (a second each) and its handler reads
    // once it runs on. Only the socket that appears after SIGUSR1 is asked, unless none does (ASK_OLD_MS).
    if (configured !== 0) {
      const port = await inspectorNow(pid, configured, new Set());
      if (port !== null) return foundOpen(port, leftOpenBy(pid));
    }
    const by = leftOpenBy(pid);
    const before = ownLoopbackListeners(pid).map((l) => l.inode);
    // Checked again just before the signal: the pid may have ended, and been reused, while waiting.
    checkTarget(pid);
    const startTime = startTimeOf(pid);
    if (startTime === null) throw new AttachError(`no process with pid ${pid}`);
    // Before the signal: a kill from here until the runtime has closed the port leaves it to the next jsprobe (marker.ts).
    markOpening(pid, startTime);
    step('sigusr1');
    process.kill(pid, 'SIGUSR1');
    const found = await opening({ pid, startTime, configured, before }, lock, progress, limit, by);
    if (!found.before) return { port: found.port, opened: true, lock, startTime, signalled: true };
    // Open before the signal, which did nothing: not this jsprobe's to close, unless a killed one's.
    unmark(pid, startTime);
    return foundOpen(found.port, by);
  } catch (e) {
    lock.release();
    throw e;
  }
}

export function listening(pid: number, port: number): boolean {
  try {
    return portOwnedBy(pid, port) === 'yes';
  } catch {
    return false; // someone else listens there now: the target's inspector is closed
  }
}

/** Wait (a little) for the inspector jsprobe opened to close: detach leaves nothing listening. */
export async function inspectorClosed(pid: number, port: number): Promise<void> {
  const end = Date.now() + CLOSE_TIMEOUT_MS;
  while (listening(pid, port) && Date.now() < end) await sleep(POLL_MS);
}

/**
 * Let go of `lock` once process `pid` no longer listens on `port` (jsprobe closed the inspector
 * it opened, or the target ended), or after a few seconds in any case. Its marker goes once it is closed.
 */
export function releaseWhenClosed(lock: Lock, pid: number, port: number, startTime: string | null): void {
  const end = Date.now() + CLOSE_TIMEOUT_MS;
  const check = (): void => {
    const open = listening(pid, port);
    if (!open) unmark(pid, startTime);
    if (!open || Date.now() >= end) lock.release();
    else setTimeout(check, POLL_MS).unref();
  };
  check();
}
