// Every process a test file starts is tracked: whatever is still alive once the file's tests are
// done is killed, and so is all of it when the file's own process is killed (on Node 20 and 22,
// --test-timeout kills a file's process, and no after() hook runs). A failed test's service that
// stayed up kept the file's runner waiting on it for good, and CI past its limit; one left by a
// killed file held 127.0.0.1:9229 for the next file's attaches.

import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './run.js';

const REAPER = join(ROOT, 'test/fixtures/procs/reaper.cjs');

const started = new Set<ChildProcess>();
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * The reaper (test/fixtures/procs/reaper.cjs) of this file's process: told each process started
 * here, it kills those left when this process ends, whatever way. Started with the first.
 */
let reaper: ChildProcess | null = null;
/** Why the reaper is gone (killed, or it could not start), once it is: then nothing more is written to it. */
let reaperGone: string | null = null;
function reaperStdin(): Socket | null {
  if (reaperGone !== null) return null;
  if (reaper === null) {
    reaper = spawn(process.execPath, [REAPER], { stdio: ['pipe', 'ignore', 'inherit'] });
    // Neither it nor the pipe keeps this process up: the pipe closes as this process ends.
    reaper.unref();
    const stdin = reaper.stdin as Socket;
    stdin.unref();
    // Without a handler, a write to a reaper that has gone (EPIPE) would end this file's process.
    const gone = (e: Error): void => {
      if (reaperGone !== null) return;
      reaperGone = e.message;
      process.stderr.write(`tracked.ts: the reaper is gone (${e.message}): what this file starts now dies with its after() hook alone\n`);
    };
    reaper.once('error', gone);
    stdin.on('error', gone);
  }
  return reaper.stdin as Socket;
}

/** Field 22 of /proc/PID/stat: with the pid, names the process (the reaper leaves alone a pid used again). */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether process `pid` runs (a zombie, whose end its parent has not collected yet, does not). */
export function stillRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Resolves true once process `pid` has ended; false past a bound that only stops a test that would hang. */
export async function endsSoon(pid: number): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (stillRuns(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** `child`, tracked: killed when the file's tests are done, or when the file's process goes. */
export function tracked<T extends ChildProcess>(child: T): T {
  started.add(child);
  child.once('close', () => started.delete(child));
  const start = child.pid === undefined ? undefined : startOf(child.pid);
  if (start !== undefined) reaperStdin()?.write(`${child.pid} ${start}\n`);
  return child;
}

/** node:child_process's spawn, its process tracked. */
export const spawnTracked = ((...args: Parameters<typeof spawn>) => tracked(spawn(...args))) as typeof spawn;
