// The marker jsprobe leaves while an inspector it opened may be open: written just before SIGUSR1,
// removed once that inspector is closed again. A jsprobe killed (SIGKILL) between the signal and the
// load of its runtime leaves the port open with nothing of jsprobe's in the target to close it; its
// marker stays, and the next jsprobe that finds that inspector open reads it: the writer gone, the
// inspector is one jsprobe opened, and it closes it as its own rather than leave it open.
//
// Markers live in a directory only this user can reach (XDG_RUNTIME_DIR when it is private, else
// `jsprobe-UID` made 0700 in the temporary directory, checked): another user cannot plant one.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTimeOf, stillRuns } from './procfs.js';
import { isUserOnlyDir, privateRuntimeDir } from './user-dir.js';

/** Who wrote a marker: a jsprobe process, named by its pid and start time (a reused pid is another process). */
interface Writer {
  pid: number;
  startTime: string;
}

/** The directory for markers, or null where none is private to this user. */
function markerDir(): string | null {
  const xdg = privateRuntimeDir();
  if (xdg !== null) return xdg;
  const dir = join(tmpdir(), `jsprobe-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // there already: checked below
  }
  return isUserOnlyDir(dir) ? dir : null;
}

function markerPath(pid: number, startTime: string): string | null {
  const dir = markerDir();
  return dir === null ? null : join(dir, `jsprobe-opened-${pid}-${startTime}`);
}

/** Before SIGUSR1 to process `pid` (start time `startTime`): this jsprobe opens its inspector. */
export function markOpening(pid: number, startTime: string): void {
  const path = markerPath(pid, startTime);
  const me: Writer = { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' };
  if (path !== null) {
    try {
      writeFileSync(path, JSON.stringify(me), { mode: 0o600 });
    } catch {
      // No marker: a kill in the window then leaves the port to the user, as before.
    }
  }
}

/** The inspector this jsprobe opened in process `pid` is closed again (or in a watcher's hands). */
export function unmark(pid: number, startTime: string | null): void {
  const path = startTime === null ? null : markerPath(pid, startTime);
  if (path !== null) rmSync(path, { force: true });
}

/**
 * The jsprobe that opened process `pid`'s inspector and cannot close it any more, if a marker says
 * so: its pid; null when no marker is there or its writer is another jsprobe that still runs. One
 * that died before its runtime could close it; or this one (process.pid), whose first try at
 * connecting took the port over and failed while it stayed open (inspector-ws.ts connect()).
 */
export function leftOpenBy(pid: number): number | null {
  const startTime = startTimeOf(pid);
  const path = startTime === null ? null : markerPath(pid, startTime);
  if (path === null) return null;
  let writer: Writer;
  try {
    writer = JSON.parse(readFileSync(path, 'utf8')) as Writer;
  } catch {
    return null;
  }
  if (typeof writer.pid !== 'number' || typeof writer.startTime !== 'string') return null;
  if (writer.pid === process.pid && writer.startTime === (startTimeOf(process.pid) ?? '')) return writer.pid;
  return stillRuns(writer.pid, writer.startTime) ? null : writer.pid;
}
