// `jsprobe -p PID`: load jsprobe's runtime into a running Node process through its inspector
// (inspector-ws.ts), hand it the path of a private channel (channel.ts), close the inspector again
// as soon as the runtime's channel thread has connected, and trace over the channel until Ctrl-C,
// exit() in the program, or the target's end. The inspector port is open only while the runtime
// loads; "Attached" is printed once it is closed (docs/attach.md, "The exposure window").

import { AggMap, mergeAll, type MapData } from '../agg/maps.js';
import { printMaps, type Output } from '../agg/print.js';
import { cutsIn, DEFAULT_MAX_STRLEN, printCut } from '../agg/safe-strlen.js';
import type { CompiledProgram } from '../lang/compile.js';
import type { AttachOptions, ChannelAttachResult, LoadOptions, Message } from '../program/messages.js';
import { AttachError } from './attach-error.js';
import { ChannelServer } from './channel.js';
import { endedSilently, endedTelling, waitStatus } from './ending.js';
import { CLOSE_INSPECTOR, RUNTIME_BUNDLE, connect } from './inspector-ws.js';
import { inspectorClosed } from './open.js';
import { LostEvents } from '../program/lost.js';
import { waitFor } from './progress.js';

export { AttachError, RUNTIME_BUNDLE };

export interface AttachRun {
  program: CompiledProgram;
  format: 'text' | 'json' | 'folded';
  unsafe: boolean;
  quiet: boolean;
  /** --max-map-keys: each thread's maps keep to it there. */
  maxMapKeys?: number;
  /** --max-strlen: each thread cuts its strings to it; their counts add up here. */
  maxStrlen?: number;
  /** --max-pause: the pause budget of live patches there. */
  maxPauseMs?: number;
  write(s: string): void;
}

/** How long the runtime has to load and connect its channel before jsprobe gives up. */
const LOAD_TIMEOUT_MS = 15_000;
/** How long a detach may take before the maps print without the missing part. */
const DETACH_TIMEOUT_MS = 10_000;

/**
 * Open the target's inspector, load the runtime with one evaluate, wait for its channel thread to
 * connect, and close the inspector again (if jsprobe opened it) before returning.
 */
async function openChannel(pid: number, quiet: boolean, onMessage: (m: Message) => void): Promise<ChannelServer> {
  const { conn, opened, port } = await connect(pid, quiet);
  let channel: ChannelServer | null = null;
  try {
    channel = await ChannelServer.open(onMessage);
    const load: LoadOptions = { socket: channel.path, closeInspector: opened };
    const loading = conn.evaluate<string>(`require(${JSON.stringify(RUNTIME_BUNDLE)}).load(${JSON.stringify(load)})`);
    const busy = `process ${pid} to load jsprobe's runtime (is its main thread blocked?)`;
    const late = `process ${pid} did not load jsprobe's runtime within ${LOAD_TIMEOUT_MS / 1000} s`;
    await waitFor(loading.then(() => channel!.connected), busy, quiet, LOAD_TIMEOUT_MS, late);
  } catch (e) {
    channel?.close();
    if (opened) await conn.evaluate(CLOSE_INSPECTOR).catch(() => {});
    conn.ws.close();
    throw e;
  }
  // Nobody of jsprobe's is on the port any more; then the runtime closes it from the inside.
  const wsClosed = new Promise((resolve) => conn.ws.once('close', resolve));
  conn.ws.close();
  await wsClosed;
  if (opened) {
    await channel.request({ op: 'close-inspector' });
    await waitFor(inspectorClosed(pid, port), `process ${pid} to close its inspector port ${port}`, quiet);
  } else if (!quiet) {
    process.stderr.write(`jsprobe: process ${pid} had its inspector open already (127.0.0.1:${port}); it stays open, and any local user can connect to it\n`);
  }
  return channel;
}

type Why = 'signal' | 'exit' | 'ending' | 'gone' | 'none';

/**
 * Trace process `pid` (its main thread and its workers, those running now and those started
 * later) until Ctrl-C, exit() in the program, or the target's end. The maps stay in each thread
 * until detach or the end, then come over the channel as data and are merged here. Returns the exit
 * code: 0; 1 when no probe attached anywhere; or 2 when the program cannot be registered there.
 */
export async function traceAttached(pid: number, run: AttachRun): Promise<number> {
  const maps = run.program.maps.map((m) => AggMap.of(m));
  let cut = 0;
  let finished!: (why: Why) => void;
  const done = new Promise<Why>((resolve) => (finished = resolve));
  let ended: { how: 'exit' | 'uncaught'; code: number } | null = null;
  const lost = new LostEvents((line) => process.stderr.write(line));
  let parts: string[] = [];
  const onMessage = (m: Message): void => {
    switch (m.t) {
      case 'out': return run.write(m.text);
      case 'err': return void process.stderr.write(m.text);
      case 'maps':
        cut += cutsIn(m.maps);
        return mergeAll(maps, m.maps);
      case 'part': {
        // The main thread's maps as it ended, in pieces.
        if (m.part.i === 0) parts = [];
        parts.push(m.part.s);
        if (m.part.i === m.part.n - 1) {
          const data = JSON.parse(parts.join('')) as MapData[];
          cut += cutsIn(data);
          mergeAll(maps, data);
        }
        return;
      }
      case 'lost': return lost.add(m.n);
      case 'exit': return finished('exit');
      case 'ending':
        ended = { how: m.how, code: m.code };
        return finished('ending');
      default:
        return;
    }
  };
  // From here on Ctrl-C detaches, also while the runtime loads and the probes are set up: killed
  // there, jsprobe would leave them armed in the target (until its channel thread saw the socket close).
  const onSignal = (): void => finished('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let channel: ChannelServer;
  try {
    channel = await openChannel(pid, run.quiet, onMessage);
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw e;
  }
  void channel.closed.then(() => finished('gone'));
  const options: AttachOptions = { format: run.format, unsafe: run.unsafe, maxMapKeys: run.maxMapKeys, maxStrlen: run.maxStrlen,
    maxPauseMs: run.maxPauseMs,
  };
  const r = await waitFor(
    channel.request<ChannelAttachResult>({ op: 'attach', source: run.program.source, options }).catch((e: Error) => ({ error: e.message })),
    `process ${pid} to register the probes`, run.quiet,
  );
  if ('error' in r) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stderr.write(`${r.error}\n`);
    channel.close();
    return 2;
  }
  for (const c of run.program.probes) {
    const text = c.probe.text;
    if (r.skipped.includes(text) && r.workers.every((w) => w.includes(text))) {
      process.stderr.write(`jsprobe: ${text} matches nothing loaded in process ${pid} or its workers\n`);
    }
  }
  for (const note of r.notes) process.stderr.write(`jsprobe: ${note}\n`);
  // Nothing would ever be traced: say so and end (exit 1) rather than wait silently for Ctrl-C.
  const none = run.program.probes.length > 0
    && run.program.probes.every((c) => r.skipped.includes(c.probe.text) && r.workers.every((w) => w.includes(c.probe.text)));
  if (none) {
    process.stderr.write(`jsprobe: no probe attached in process ${pid} or its workers: nothing to trace\n`);
    finished('none');
  }
  if (!run.quiet && !none) {
    const n = r.workers.length;
    const inWorkers = n > 0 ? `, and in ${n} worker thread${n === 1 ? '' : 's'}` : '';
    process.stderr.write(`Attached to ${pid}: ${r.probes} probe${r.probes === 1 ? '' : 's'}${inWorkers}. Ctrl-C to detach.\n`);
  }
  const why = await done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  let endLine: string | null = null;
  if (why === 'signal' || why === 'exit' || why === 'none') {
    // END runs and each thread's maps come back before the answer.
    await waitFor(channel.request({ op: 'detach' }), `process ${pid} to detach`, run.quiet, DETACH_TIMEOUT_MS).catch((e: Error) => {
      process.stderr.write(`jsprobe: ${e.message}\n`);
    });
  } else if (ended !== null) {
    const e: { how: 'exit' | 'uncaught'; code: number } = ended;
    endLine = endedTelling(pid, e.how, e.code);
  } else {
    endLine = endedSilently(pid, await waitStatus(pid, 1000));
  }
  channel.close();
  const out: Output = { format: run.format, text: run.write, json: (o) => run.write(`${JSON.stringify(o)}\n`) };
  printMaps(out, maps);
  printCut(out, cut, run.maxStrlen ?? DEFAULT_MAX_STRLEN);
  lost.end();
  if (endLine !== null) process.stderr.write(`jsprobe: ${endLine}\n`);
  return none ? 1 : 0;
}

/** `jsprobe -l PATTERN -p PID`: the probe points as the running process sees them. */
export async function listAttached(pid: number, pattern: string): Promise<string[]> {
  const channel = await openChannel(pid, true, () => {});
  try {
    return await channel.request<string[]>({ op: 'points', pattern });
  } finally {
    channel.close();
  }
}
