// How an attached target ended, in one line for the user: from what its runtime said as it ended
// ('exit', or an uncaught exception), else from its exit status while it is a zombie (field 52,
// exit_code, of /proc/PID/stat: a wait status), else that it ended some other way.

import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** The wait status of a process that has ended and is not reaped yet; null otherwise. */
export function zombieStatus(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm (field 2) may hold spaces and parentheses: the fields after it follow its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); field 52 is f[49].
  if (f[0] !== 'Z' || f[49] === undefined) return null;
  const status = Number(f[49]);
  return Number.isInteger(status) ? status : null;
}

function signalName(signo: number): string {
  for (const [name, n] of Object.entries(constants.signals)) if (n === signo) return name;
  return `signal ${signo}`;
}

/**
 * The line for a target whose runtime said nothing as it ended (killed, aborted): as far as /proc
 * can tell. `snapshotAgeMs`: the maps printed are the last snapshot, taken that long before jsprobe
 * saw the end; null: there is none, the maps are lost. `outFile`: -o's file, where they print.
 */
export function endedSilently(pid: number, status: number | null, snapshotAgeMs: number | null = null, outFile?: string): string {
  const where = outFile === undefined ? 'the maps above are' : `the maps in ${outFile} are`;
  const maps = snapshotAgeMs === null ? 'its maps are lost' : `${where} its last snapshot, from ${Math.round(snapshotAgeMs)} ms before the end`;
  if (status === null) return `process ${pid} ended without exiting normally; ${maps}`;
  const signo = status & 0x7f;
  if (signo !== 0) return `process ${pid} was killed by ${signalName(signo)}; ${maps}`;
  return `process ${pid} exited with code ${(status >> 8) & 0xff} without telling jsprobe; ${maps}`;
}

/** The line for a target whose runtime sent its maps as it ended. */
export function endedTelling(pid: number, how: 'exit' | 'uncaught', code: number): string {
  return how === 'uncaught' ? `process ${pid} ended by an uncaught exception` : `process ${pid} exited with code ${code}`;
}

/** Wait (up to `ms`) for process `pid` to show as a zombie; its wait status, or null. */
export async function waitStatus(pid: number, ms: number): Promise<number | null> {
  const end = Date.now() + ms;
  for (;;) {
    const s = zombieStatus(pid);
    if (s !== null) return s;
    let gone = false;
    try {
      readFileSync(`/proc/${pid}/stat`);
    } catch {
      gone = true;
    }
    if (gone || Date.now() >= end) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
}
