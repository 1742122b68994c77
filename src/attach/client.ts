// `jsprobe -p PID[,PID...]`: trace one or several running Node processes with one program
// (target.ts attaches each one, concurrently, over its own private channel), merge their maps, and
// run END and print them once, when every target has detached or ended (docs/attach.md).

import { AggMap, mapsData, type MapData } from '../agg/maps.js';
import { LostEvents } from '../program/lost.js';
import { onceEach } from '../program/said-once.js';
import type { PointsReply } from '../program/messages.js';
import { AttachError } from './attach-error.js';
import { RUNTIME_BUNDLE } from './inspector-ws.js';
import type { ChannelServer } from './channel.js';
import { openChannel, traceTarget, type AttachRun, type Shared, type TargetEnd } from './target.js';

export { AttachError, RUNTIME_BUNDLE, type AttachRun };
export { liveEditsIn, runsTsx } from './live-edits.js';

/**
 * Trace processes `pids` until Ctrl-C, exit() in the program, or the end of all of them. Returns
 * the exit code: 0 when some target was traced; 2 when the program cannot be registered anywhere;
 * else 1 (no probe attached anywhere). `serve` is given a way to snapshot the maps while they trace. With one pid, a target that cannot be attached throws its
 * AttachError; with several, it is said in one line and the others go on (exit 1 when none attached).
 */
export async function traceAttached(pids: readonly number[], run: AttachRun, serve?: (snapshot: () => Promise<MapData[]>) => void): Promise<number> {
  const many = pids.length > 1;
  let stopAll!: () => void;
  const stop = new Promise<void>((resolve) => (stopAll = resolve));
  const onSignal = (): void => {
    // A second Ctrl-C, while the targets detach, ends jsprobe at once, as Node does by default.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const s: Shared = {
    run, maps: run.program.maps.map((m) => AggMap.of(m)), cut: { cut: 0, unread: 0 }, stop, stopAll,
    lost: new LostEvents((line) => process.stderr.write(line)),
    err: onceEach((text) => void process.stderr.write(text)),
    traced: new Set(),
  };
  // --prometheus: the maps of the targets that have ended or detached, and a snapshot of each one
  // traced now (its last one when it says it is too soon for another).
  const lastOf = new Map<ChannelServer, MapData[]>();
  serve?.(async () => {
    const now = await Promise.all([...s.traced].map(async (c) => {
      const maps = await c.request<MapData[] | null>({ op: 'snapshot' }).catch(() => null);
      if (maps !== null) lastOf.set(c, maps);
      return lastOf.get(c) ?? [];
    }));
    return mapsData(s.maps).concat(...now);
  });
  const one = async (pid: number): Promise<TargetEnd | null> => {
    try {
      const end = await traceTarget(pid, s);
      // While others run, a target that ends says so at once; alone, after its maps, as before.
      if (many && end.endLine !== null) {
        process.stderr.write(`jsprobe: ${end.endLine}\n`);
        return { ...end, endLine: null };
      }
      return end;
    } catch (e) {
      if (!many || !(e instanceof AttachError)) throw e;
      process.stderr.write(`jsprobe: ${e.message}\n`);
      return null;
    }
  };
  const settled = await Promise.allSettled(pids.map(one));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const ends = settled.map((r) => (r as PromiseFulfilledResult<TargetEnd | null>).value).filter((e) => e !== null);
  if (ends.length === 0) {
    process.stderr.write(`jsprobe: none of the ${pids.length} processes could be attached\n`);
    return 1;
  }
  // The program could not be registered anywhere: no maps came back to print.
  if (ends.every((e) => e.code === 2)) return 2;
  // Nothing was traced anywhere (each target said why): END has nothing to answer from.
  if (ends.every((e) => e.code !== 0)) {
    s.lost.end();
    for (const e of ends) if (e.endLine !== null) process.stderr.write(`jsprobe: ${e.endLine}\n`);
    return 1;
  }
  // END runs once, here, on the maps of every target merged (program/end.ts).
  const { runEnd } = await import('../program/end.js');
  const warn = (line: string): void => void process.stderr.write(line);
  runEnd(run.program, mapsData(s.maps), { format: run.format, maxMapKeys: run.maxMapKeys, maxStrlen: run.maxStrlen, write: run.write, warn, cut: s.cut });
  s.lost.end();
  for (const e of ends) if (e.endLine !== null) process.stderr.write(`jsprobe: ${e.endLine}\n`);
  return ends.some((e) => e.code === 0) ? 0 : 1;
}

/** `jsprobe -l PATTERN -p PID`: the probe points as the running process sees them, or why there are none. */
export async function listAttached(pid: number, pattern: string, lines: boolean): Promise<PointsReply> {
  const channel = await openChannel(pid, true, () => {});
  try {
    return await channel.request<PointsReply>({ op: 'points', pattern, lines });
  } finally {
    channel.close();
  }
}
