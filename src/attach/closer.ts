// The watcher `jsprobe -p` leaves behind when a target has not opened its inspector in time after
// SIGUSR1 (stopped, or its main thread blocked in a synchronous call): the signal cannot be taken
// back, so the inspector would open later with nobody to close it. This process holds the port's
// lock (handed over as fd 3), waits for that inspector, closes it as jsprobe's own detach does
// (inspector.close() in the target), and ends; or ends with the target. Run as
// `node closer.js ORDERS`, detached, its stdout a pipe that hears "ready" and is closed at once.

import { closeSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { CLOSE_INSPECTOR_NOW, inspectorUrl } from './inspector-ws.js';
import { inheritedLock } from './lock.js';
import { inspectorNow, listening, type WatchOrders } from './open.js';
import { connectToTarget } from './peer.js';
import { stillRuns } from './procfs.js';

/** Its name in ps and /proc/PID/comm (at most 15 characters), and so in lock.ts's "waiting for ..." line. */
const TITLE = 'jsprobe-watcher';
/** /proc is read at most 20 times a second: one small file and /proc/net/tcp while nothing listens. */
const POLL_MS = 50;
/** How long one close may take before the connection is dropped and the port looked at afresh. */
const CLOSE_WAIT_MS = 5000;
/** A port-0 target's own listener is asked this many times whether it is the inspector, then no more. */
const ASKS = 3;

/** Close the inspector on `port` (checked to be the target's), and wait a little for it to be gone. */
async function closeOn(o: WatchOrders, port: number, alive: () => boolean): Promise<void> {
  const listed = await inspectorUrl(o.pid, port);
  if (listed === null) return;
  const socket = listed.socket ?? await connectToTarget(o.pid, port);
  const ws = new WebSocket(listed.url, { perMessageDeflate: false, createConnection: () => socket });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    // No answer comes: the connection closes with the inspector.
    ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: CLOSE_INSPECTOR_NOW, includeCommandLineAPI: true } }));
    const end = Date.now() + CLOSE_WAIT_MS;
    while (alive() && listening(o.pid, port) && Date.now() < end) await sleep(POLL_MS);
  } finally {
    // Never left connected: a target that ends with a client connected waits for it to go.
    ws.terminate();
  }
}

async function watch(o: WatchOrders): Promise<void> {
  // A zombie has its start time still, and no inspector any more.
  const alive = (): boolean => stillRuns(o.pid, o.startTime);
  const except = new Set(o.before);
  const asked = new Map<string, number>();
  const notInspector = (inode: string): void => {
    asked.set(inode, (asked.get(inode) ?? 0) + 1);
    if (asked.get(inode)! >= ASKS) except.add(inode);
  };
  while (alive()) {
    const port = await inspectorNow(o.pid, o.configured, except, notInspector).catch(() => null);
    if (port !== null) {
      await closeOn(o, port, alive).catch(() => {});
      if (!alive() || !listening(o.pid, port)) return;
    }
    await sleep(POLL_MS);
  }
}

async function main(): Promise<void> {
  process.title = TITLE;
  // It may live as long as the target: it pins no directory of the user's.
  process.chdir('/');
  const orders = JSON.parse(process.argv[2]) as WatchOrders;
  await inheritedLock(3);
  writeSync(1, 'ready\n');
  closeSync(1);
  await watch(orders);
}

// Whatever happens, it ends: the kernel lets go of the lock with it.
main().then(() => process.exit(0), () => process.exit(1));
