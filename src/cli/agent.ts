// The part of `jsprobe -c` that runs inside the traced program, loaded with `--import` before the
// program's own code, in every process and thread of it: this file only decides what this one is,
// and imports the rest only where it traces. The first process's main thread traces with the
// command's pipes (agent-session.ts); its worker threads register the same probes and report to it;
// any other node process started under the command connects to the command's socket (child-agent.ts).
//
// The command loads the bundle of this file (build/src/agent-bundle/agent.js, scripts/bundle.mjs),
// which loads the rest, where it traces, from one CommonJS file with V8's code cache (agent-load.ts,
// itself a CommonJS file beside it, load.cjs).

import { createRequire } from 'node:module';
import { watchChild } from './child-watch.js';
import { untraced } from './untraced.js';

/** Set in the agent's bundle (scripts/bundle.mjs): where the runtime's CommonJS file is beside it. */
declare const JSPROBE_AGENT_RUNTIME: string | undefined;
/** Set in the agent's bundle: where agent-load.ts's CommonJS file is beside it. */
declare const JSPROBE_AGENT_LOAD: string | undefined;

// Node's modules come through require, not import: an ES module's import of node:fs makes a facade
// of its exports, whose getters load fs's streams, fs/promises and readline (~34 of Node's modules,
// ~6 ms on Node 24) in every traced process, which none of jsprobe's code uses.
const require = createRequire(import.meta.url);

/** The bundle's runtime, compiled with its code cache: synchronously, so that a load hook can load it (child-watch.ts). */
function runtimeNow(mainThread: boolean): typeof import('./agent-runtime.js') {
  const { loadRuntime } = require(JSPROBE_AGENT_LOAD!) as typeof import('./agent-load.js');
  const { fileURLToPath } = require('node:url') as typeof import('node:url');
  return loadRuntime(fileURLToPath(new URL(JSPROBE_AGENT_RUNTIME!, import.meta.url)), mainThread);
}

/** What traces, compiled with its code cache from the bundle; unbundled (tsc's output), its modules as they are. */
async function runtime(mainThread: boolean): Promise<typeof import('./agent-runtime.js')> {
  if (typeof JSPROBE_AGENT_RUNTIME === 'string' && typeof JSPROBE_AGENT_LOAD === 'string') return runtimeNow(mainThread);
  // Not a literal: the bundle must not take the runtime's modules in.
  return import(new URL('./agent-runtime.js', import.meta.url).href) as Promise<typeof import('./agent-runtime.js')>;
}

/**
 * A node process started under the command (a child node, at any depth) traces as a worker thread
 * does (child-agent.ts), through the command's socket. Where all its probes name files, it loads
 * the runtime only once a source matches (child-watch.ts).
 */
async function traceChildProcess(socket: string, source: string): Promise<void> {
  // Its worker threads know from this that they are not a process of their own (main, below).
  process.env.JSPROBE_AGENT_PID = String(process.pid);
  const files = process.env.JSPROBE_CHILD_FILES;
  if (files !== undefined && typeof JSPROBE_AGENT_RUNTIME === 'string' && watchChild(JSON.parse(files) as string[], (compiling) => {
    try {
      const { traceChildNow, rewriteLoaded } = runtimeNow(true);
      traceChildNow(socket, source, compiling);
      return rewriteLoaded;
    } catch (e) {
      // In the middle of the program's own require or import: whatever failed, it must go on, untraced.
      untraced(e instanceof Error ? e.message : 'its agent failed to load');
      return (_url, result) => result;
    }
  })) return;
  const { traceChild } = await runtime(true);
  return traceChild(socket, source);
}

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  const pid = String(process.pid);
  const socket = process.env.JSPROBE_SOCKET;
  // The main thread of a process after the first, told from the environment alone: another
  // process's pid in JSPROBE_PID (a worker thread of a traced process has its own there), and no
  // main thread of this process has run the agent before (its worker threads find their pid in
  // JSPROBE_AGENT_PID). Such a child need not load node:worker_threads (~6 ms on Node 24) to
  // learn it, which one whose sources match nothing would never load otherwise.
  const tracedPid = process.env.JSPROBE_PID;
  if (tracedPid !== undefined && tracedPid !== pid && socket !== undefined && process.env.JSPROBE_AGENT_PID !== pid) {
    return traceChildProcess(socket, source);
  }
  const { isMainThread, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (!isMainThread) {
    // The profile tick thread (program/profile-tick.ts) is jsprobe's own: it neither traces nor is traced.
    const own = workerData as { jsprobeProfileTick?: true } | null;
    if (own?.jsprobeProfileTick === true) return;
    // A thread of a traced process (the main thread has set JSPROBE_PID to it).
    if (tracedPid !== pid) return;
    const { traceWorker } = await runtime(false);
    return traceWorker(source);
  }
  // The first node process under the command runs BEGIN, END and intervals. A process started
  // under it that the test above did not tell (its pid the same as one before it) traces as a child.
  if (tracedPid !== undefined) {
    if (socket === undefined || tracedPid === pid) return;
    return traceChildProcess(socket, source);
  }
  // Only the command's own child has its pipes: the first process reports on the command's socket
  // when a shell or a program jsprobe does not trace (Node 20's `node --test` runner) started it.
  // It connects before it loads the rest: one that cannot runs untraced, with nothing of jsprobe installed.
  if (socket !== undefined && process.env.JSPROBE_COMMAND_PID !== String(process.ppid)) {
    const { openLink, traceFirst } = await runtime(true);
    let gone = (): void => {};
    const sender = await openLink(socket, () => gone());
    if (typeof sender === 'string') return untraced(sender);
    return traceFirst(source, { sender, onGone: (detach) => void (gone = detach) });
  }
  const { traceFirst } = await runtime(true);
  return traceFirst(source);
}

await main();
