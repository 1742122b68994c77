// One target of `jsprobe -p PID[,PID...]`: open its inspector, load the runtime, hand it a private
// channel (channel.ts), close the inspector again, register the probes, and trace until Ctrl-C,
// exit() in the program, or the target's end. Its maps merge into the maps shared by every target;
// printing them is the caller's (client.ts).

import { mergeAll, type AggMap, type MapData } from '../agg/maps.js';
import { addCounts, cutsIn, type StrCounts } from '../agg/safe-strlen.js';
import type { CompiledProgram } from '../lang/compile.js';
import type { AttachOptions, AttachRefusal, ChannelAttachResult, LoadOptions, Message } from '../program/messages.js';
import type { LostEvents } from '../program/lost.js';
import { AttachError, ConnectionLost, exitedDuringAttach } from './attach-error.js';
import { ChannelServer } from './channel.js';
import { relativePathHint } from './target-hint.js';
import { endedSilently, endedTelling, waitStatus } from './ending.js';
import { CLOSE_INSPECTOR, InspectorError, RUNTIME_BUNDLE, connect, type Connection } from './inspector-ws.js';
import { inspectorClosed } from './open.js';
import { startTimeOf, stillRuns } from './procfs.js';
import { waitFor } from './progress.js';
import { step } from './steps.js';
import { now } from '../core/clock.js';

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
  /** -o: the file the maps are written to, rather than stdout. */
  outFile?: string;
  /** Each probe's matches as the command found them (by the probe's `at`), as "Attaching N probes" under -c counts them. */
  points?: ReadonlyMap<number, readonly string[]>;
  /** --otlp: where the targets' span rows go (cli/otlp.ts). */
  spans?: { add(pid: number, rows: string): void };
  /** The verb that made the program (`trace`, `stuck`, …): its probes answer together, or not at all. */
  verb?: string;
}

/** What every target of one run shares. */
export interface Shared {
  run: AttachRun;
  /** The merged maps: counts add, histograms add bucket by bucket. */
  maps: readonly AggMap[];
  /** Strings cut to --max-strlen, and strings not read, in all targets. */
  cut: StrCounts;
  lost: LostEvents;
  /** What the targets' threads write on stderr: a line each says once is said once for all (program/said-once.ts). */
  err(text: string): void;
  /** The channels of the targets being traced now: `--prometheus` asks each for a snapshot of its maps. */
  traced: Set<ChannelServer>;
  /** Resolves on Ctrl-C, SIGTERM, or exit() in any target's program: every target detaches. */
  stop: Promise<void>;
  stopAll(): void;
}

export interface TargetEnd {
  /** 0: traced; 1: no probe attached there; 2: the program cannot be registered there. */
  code: number;
  /** How the target ended, when it ended while attached. */
  endLine: string | null;
}

/** How long the runtime has to load and connect its channel before jsprobe gives up. */
const LOAD_TIMEOUT_MS = 15_000;
/** How long a detach may take before the maps print without the missing part. */
const DETACH_TIMEOUT_MS = 10_000;

/**
 * Open the target's inspector, load the runtime with one evaluate, wait for its channel thread to
 * connect, and close the inspector again (if jsprobe opened it) before returning.
 */
export async function openChannel(pid: number, quiet: boolean, onMessage: (m: Message) => void): Promise<ChannelServer> {
  // Made before the port opens: nothing that can wait goes into its window.
  const channel = await ChannelServer.open(onMessage);
  const exited = exitWatch(pid);
  try {
    return await openChannelIn(pid, quiet, channel, exited);
  } catch (e) {
    // A target that ended under the attach took its inspector with it: whatever failed then (the
    // WebSocket closed, the load's answer lost, a context gone, the listing or the channel cut)
    // says so, rather than that error. One still ending may wait for jsprobe's connection, closed
    // by now, to go: a lost connection or an error of the inspector's gives it a moment. The
    // channel closes whatever failed (closing the inspector may fail after the load, the target
    // gone): a server left listening kept jsprobe up after its error line.
    channel.close();
    const lost = !(e instanceof AttachError) || e instanceof ConnectionLost;
    if (exited.now() || (lost && await exited.within(EXIT_GRACE_MS))) {
      throw exitedDuringAttach(pid);
    }
    throw e;
  } finally {
    exited.stop();
  }
}

/** How often the attach looks whether the target is still there while it waits for the load. */
const EXIT_POLL_MS = 100;
/** How long an attach that failed with an inspector's error waits to see whether the target is ending. */
const EXIT_GRACE_MS = 1000;
/** What the target's own session answers when its context has gone: it is ending (ChannelAttachResult's error). */
const CONTEXT_GONE = /Cannot find context with specified id/;
/** How long such an answer waits for the end it announces: longer, as nothing else explains it. */
const CONTEXT_GONE_GRACE_MS = 5000;

/**
 * Whether process `pid` has ended since this was made (gone, a zombie, or its pid reused), and a
 * promise that rejects once it has: the load's wait would otherwise last its whole bound, the
 * inspector's closing after a load that went well looking the same as the target's end.
 * `within(ms)`: whether it has ended by then, or sooner; its timer holds the command up, which has
 * nothing else to wait on by then (its channel closed): unref'd, jsprobe exited 0 in silence there.
 */
function exitWatch(pid: number): { now(): boolean; within(ms: number): Promise<boolean>; gone: Promise<never>; stop(): void } {
  const started = startTimeOf(pid);
  // Not there at the start: the attach's own check says so (no process with that pid).
  const now = (): boolean => started !== null && !stillRuns(pid, started);
  let timer: ReturnType<typeof setInterval> | undefined;
  const gone = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (now()) reject(exitedDuringAttach(pid));
    }, EXIT_POLL_MS);
    timer.unref();
  });
  gone.catch(() => {});
  const within = (ms: number): Promise<boolean> => new Promise<boolean>((resolve) => {
    if (started === null || now()) return resolve(started !== null);
    const bound = setTimeout(() => resolve(now()), ms);
    gone.catch(() => {
      clearTimeout(bound);
      resolve(true);
    });
  });
  return { now, within, gone, stop: () => clearInterval(timer) };
}

async function openChannelIn(
  pid: number, quiet: boolean, channel: ChannelServer, exited: { gone: Promise<never> },
): Promise<ChannelServer> {
  let conn: Connection;
  let opened: boolean;
  let port: number;
  try {
    ({ conn, opened, port } = await connect(pid, quiet));
  } catch (e) {
    channel.close();
    throw e;
  }
  // A target that ends under the attach waits for this connection to go before it exits: Node
  // says so when asked (and prints "Waiting for the debugger to disconnect..."), the process still
  // there. Then nothing more is asked of it: the connection goes at once, and the target with it.
  let ending = false;
  const waiting = new Promise<never>((_, reject) => {
    conn.on('NodeRuntime.waitingForDisconnect', () => {
      ending = true;
      reject(exitedDuringAttach(pid));
    });
  });
  waiting.catch(() => {});
  conn.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => {});
  try {
    const load: LoadOptions = { socket: channel.path, closeInspector: opened };
    // Quick: it starts the channel thread and leaves the runtime for after the port has closed (load.ts).
    step('loading');
    const loading = conn.evaluate<string>(`require(${JSON.stringify(RUNTIME_BUNDLE)}).load(${JSON.stringify(load)})`);
    const busy = `process ${pid} to load jsprobe's runtime (is its main thread blocked?)`;
    const late = `process ${pid} did not load jsprobe's runtime within ${LOAD_TIMEOUT_MS / 1000} s`;
    // The inspector closes at once after loading (load.ts), and may take its answer with it: the
    // channel connecting says the load went well all the same. A load that threw is its error; so
    // is the inspector's refusal to run it, which comes from a target that is ending: its context
    // gone before jsprobe asked to be told of its end (above), its exit held until this connection goes.
    const loaded = loading.catch((e: Error) => {
      if (e instanceof AttachError || e instanceof InspectorError) throw e;
    });
    await waitFor(Promise.race([loaded.then(() => channel.connected), exited.gone, waiting]), busy, quiet, LOAD_TIMEOUT_MS, late);
  } catch (e) {
    channel.close();
    if (ending) conn.ws.terminate();
    else {
      if (opened) await conn.evaluate(CLOSE_INSPECTOR).catch(() => {});
      conn.ws.close();
    }
    throw e;
  }
  // Nobody of jsprobe's is on the port any more (at once: no closing handshake to wait for). The
  // runtime has closed it from the inside by now, or soon will (load.ts, channel-thread.ts); asking
  // again changes nothing then, and its answer comes once it is closed.
  step('connected');
  const wsClosed = conn.ws.readyState === conn.ws.CLOSED ? Promise.resolve() : new Promise((resolve) => conn.ws.once('close', resolve));
  conn.ws.terminate();
  await wsClosed;
  if (opened) {
    await channel.request({ op: 'close-inspector' });
    await waitFor(inspectorClosed(pid, port), `process ${pid} to close its inspector port ${port}`, quiet);
    step('closed');
  } else if (!quiet) {
    process.stderr.write(`jsprobe: process ${pid} had its inspector open already (127.0.0.1:${port}); it stays open, and any local user can connect to it\n`);
  }
  return channel;
}

type Why = 'signal' | 'exit' | 'ending' | 'gone' | 'none';

/** The target's last snapshot of its maps (every thread's), and when it came. */
interface Snapshot {
  maps: MapData[][];
  at: number;
}

/** What the target's threads send: output goes out, maps merge into the shared ones, a snapshot is kept in `last`. */
function receiver(
  s: Shared, finished: (why: Why) => void, ended: (how: 'exit' | 'uncaught', code: number) => void, last: { snapshot: Snapshot | null },
  held: { text: string[] | null; dropped: boolean },
): (m: Message) => void {
  let parts: string[] = [];
  const merge = (data: MapData[]): void => {
    addCounts(s.cut, cutsIn(data));
    mergeAll(s.maps, data);
  };
  return (m) => {
    switch (m.t) {
      // Until the attach is judged (traceTarget), what the program prints waits: an interval may
      // print before the command has said that nothing attached, and a refusal comes before any answer.
      case 'out':
        if (held.text === null) return s.run.write(m.text);
        if (!held.dropped) held.text.push(m.text);
        return;
      case 'err': return s.err(m.text);
      case 'maps': return merge(m.maps);
      case 'spans': return s.run.spans?.add(m.pid, m.rows);
      case 'backup':
        last.snapshot = { maps: m.maps, at: now() };
        return;
      case 'part': {
        // The main thread's maps as it ended, in pieces.
        if (m.part.i === 0) parts = [];
        parts.push(m.part.s);
        if (m.part.i === m.part.n - 1) merge(JSON.parse(parts.join('')) as MapData[]);
        return;
      }
      case 'lost': return s.lost.add(m.n);
      case 'exit':
        // exit() in the program ends the whole run, as under -c.
        finished('exit');
        return s.stopAll();
      case 'ending':
        ended(m.how, m.code);
        return finished('ending');
      default:
        return;
    }
  };
}

/**
 * Trace process `pid` (its main thread and its workers, those running now and those started
 * later) until `s.stop`, exit() in the program, or the target's end. The maps stay in each thread
 * until detach or the end, then come over the channel as data and merge into `s.maps`. Throws an
 * AttachError when the target cannot be attached.
 */
export async function traceTarget(pid: number, s: Shared): Promise<TargetEnd> {
  const { run } = s;
  let finished!: (why: Why) => void;
  const done = new Promise<Why>((resolve) => (finished = resolve));
  // From here on Ctrl-C detaches, also while the runtime loads and the probes are set up: killed
  // there, jsprobe would leave them armed in the target (until its channel thread saw the socket close).
  void s.stop.then(() => finished('signal'));
  let ended: { how: 'exit' | 'uncaught'; code: number } | null = null;
  const last: { snapshot: Snapshot | null } = { snapshot: null };
  const held: { text: string[] | null; dropped: boolean } = { text: [], dropped: false };
  const exited = exitWatch(pid);
  let channel: ChannelServer;
  try {
    channel = await openChannel(pid, run.quiet, receiver(s, (why) => finished(why), (how, code) => (ended = { how, code }), last, held));
  } catch (e) {
    exited.stop();
    throw e;
  }
  let goneAt = NaN;
  void channel.closed.then(() => {
    goneAt = now();
    finished('gone');
  });
  const options: AttachOptions = { format: run.format, unsafe: run.unsafe, maxMapKeys: run.maxMapKeys, maxStrlen: run.maxStrlen,
    maxPauseMs: run.maxPauseMs, spans: run.spans === undefined ? undefined : true,
  };
  step('attaching');
  let failed = false;
  const r = await waitFor(
    channel.request<ChannelAttachResult>({ op: 'attach', source: run.program.source, options }).catch((e: Error): AttachRefusal => {
      failed = true;
      return { error: e.message };
    }),
    `process ${pid} to register the probes`, run.quiet,
  );
  // The channel closed before the answer: the target ended as the probes were being set up (its
  // end not told, the exit listener not yet in), not a refusal of the program's (exit 2). So did a
  // target whose own inspector session answered that its context was gone: a process ending, whose
  // exit a loaded machine may take seconds to finish (CI saw the raw error printed).
  const contextGone = 'error' in r && CONTEXT_GONE.test(r.error);
  // The ending target's exit waits on this channel (its last maps go to it): closed, it goes on.
  if (contextGone) channel.close();
  const exitedThen = (failed || contextGone) && await exited.within(contextGone ? CONTEXT_GONE_GRACE_MS : EXIT_GRACE_MS);
  exited.stop();
  if (exitedThen) {
    process.stderr.write(`jsprobe: ${exitedDuringAttach(pid).message}\n`);
    channel.close();
    return { code: 1, endLine: null };
  }
  if ('error' in r) {
    // The program's errors are a usage error (2); a process that cannot be traced now, an attach's (1).
    process.stderr.write(r.process === true ? `jsprobe: process ${pid}: ${r.error}\n` : `${r.error}\n`);
    channel.close();
    return { code: r.process === true ? 1 : 2, endLine: null };
  }
  const nowhere = (text: string): boolean => r.skipped.includes(text) && r.workers.every((w) => w.includes(text));
  for (const c of run.program.probes) {
    // One over the pause budget was named, with the figures, by the target's session, and so was one
    // whose code runs in a vm context of its own; so was one taken off as it would never run (it
    // matched, so "matches nothing" would say otherwise).
    if (!nowhere(c.probe.text) || r.said?.includes(c.probe.text) === true || r.refused?.includes(c.probe.text) === true) continue;
    const near = r.near?.find(([text]) => text === c.probe.text)?.[1] ?? [];
    const meant = near.map((t) => `${c.probe.kind}:${t}`).join(', ');
    const hint = near.length > 0 ? `. Did you mean ${meant}?` : relativePathHint(pid, c.probe.text, c.probe.target);
    process.stderr.write(`jsprobe: ${c.probe.text} matches nothing loaded in process ${pid} or its workers${hint}\n`);
  }
  for (const note of r.notes) process.stderr.write(`jsprobe: ${note}\n`);
  // Nothing would ever be traced: say so and end (exit 1) rather than wait silently for Ctrl-C. A
  // verb's probes make one answer (a call's entry and its return, its lines): with one of them
  // missing, what the others gather would print as an answer that is not one (a row of NaN).
  const missing = run.program.probes.filter((c) => nowhere(c.probe.text));
  const none = missing.length > 0 && (missing.length === run.program.probes.length || run.verb !== undefined);
  if (none && missing.length < run.program.probes.length) {
    const named = missing.map((c) => c.probe.text).join(', ');
    process.stderr.write(`jsprobe ${run.verb}: ${named} did not attach in process ${pid} (above), and the answer needs every one of its probes: `
      + 'nothing traced there\n');
    finished('none');
  } else if (none) {
    process.stderr.write(`jsprobe: no probe attached in process ${pid} or its workers: nothing to trace\n`);
    finished('none');
  }
  // Nothing attached: what it prints until it has detached (an interval's pending()) is no answer, and is dropped.
  if (none) held.dropped = true;
  else {
    for (const text of held.text ?? []) run.write(text);
    held.text = null;
  }
  if (!run.quiet && !none) {
    const n = r.workers.length;
    const inWorkers = n > 0 ? `, and in ${n} worker thread${n === 1 ? '' : 's'}` : '';
    // Counted after wildcard expansion, as -c's "Attaching N probes" is: each match of a probe that attached here.
    let probes = run.program.profiles.length;
    for (const c of run.program.probes) if (!r.skipped.includes(c.probe.text)) probes += run.points?.get(c.probe.at)?.length ?? 1;
    process.stderr.write(`Attached to ${pid}: ${probes} probe${probes === 1 ? '' : 's'}${inWorkers}. Ctrl-C to detach.\n`);
  }
  if (!none) s.traced.add(channel);
  const why = await done;
  // From here its maps come over once more, at detach or at its end, into s.maps.
  s.traced.delete(channel);
  let endLine: string | null = null;
  if (why === 'signal' || why === 'exit' || why === 'none') {
    // Each thread's maps come back before the answer.
    await waitFor(channel.request({ op: 'detach' }), `process ${pid} to detach`, run.quiet, DETACH_TIMEOUT_MS).catch((e: Error) => {
      process.stderr.write(`jsprobe: ${e.message}\n`);
    });
  } else if (ended !== null) {
    const e: { how: 'exit' | 'uncaught'; code: number } = ended;
    endLine = endedTelling(pid, e.how, e.code);
  } else {
    // Killed or aborted: it could not send its maps; the last snapshot stands in for them.
    const snap = last.snapshot;
    for (const maps of snap?.maps ?? []) {
      addCounts(s.cut, cutsIn(maps));
      mergeAll(s.maps, maps);
    }
    endLine = endedSilently(pid, await waitStatus(pid, 1000), snap === null ? null : goneAt - snap.at, run.outFile);
  }
  channel.close();
  return { code: none ? 1 : 0, endLine };
}
