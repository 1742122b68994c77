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
const { isMainThread, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');

/** The bundle's runtime, compiled with its code cache: synchronously, so that a load hook can load it (child-watch.ts). */
function runtimeNow(): typeof import('./agent-runtime.js') {
  const { loadRuntime } = require(JSPROBE_AGENT_LOAD!) as typeof import('./agent-load.js');
  const { fileURLToPath } = require('node:url') as typeof import('node:url');
  return loadRuntime(fileURLToPath(new URL(JSPROBE_AGENT_RUNTIME!, import.meta.url)));
}

/** What traces, compiled with its code cache from the bundle; unbundled (tsc's output), its modules as they are. */
async function runtime(): Promise<typeof import('./agent-runtime.js')> {
  if (typeof JSPROBE_AGENT_RUNTIME === 'string' && typeof JSPROBE_AGENT_LOAD === 'string') return runtimeNow();
  // Not a literal: the bundle must not take the runtime's modules in.
  return import(new URL('./agent-runtime.js', import.meta.url).href) as Promise<typeof import('./agent-runtime.js')>;
}

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  if (!isMainThread) {
    // The profile tick thread (program/profile-tick.ts) is jsprobe's own: it neither traces nor is traced.
    const own = workerData as { jsprobeProfileTick?: true } | null;
    if (own?.jsprobeProfileTick === true) return;
    // A thread of a traced process (the main thread has set JSPROBE_PID to it).
    if (process.env.JSPROBE_PID !== String(process.pid)) return;
    const { traceWorker } = await runtime();
    return traceWorker(source);
  }
  // The first node process under the command runs BEGIN, END and intervals. A process started
  // under it (a child node, at any depth) traces as a worker thread does (child-agent.ts).
  const socket = process.env.JSPROBE_SOCKET;
  if (process.env.JSPROBE_PID !== undefined) {
    if (socket === undefined || process.env.JSPROBE_PID === String(process.pid)) return;
    // Where all its probes name files, it loads the runtime only once a source matches (child-watch.ts).
    const files = process.env.JSPROBE_CHILD_FILES;
    if (files !== undefined && typeof JSPROBE_AGENT_RUNTIME === 'string' && watchChild(JSON.parse(files) as string[], (compiling) => {
      try {
        const { traceChildNow, rewriteLoaded } = runtimeNow();
        traceChildNow(socket, source, compiling);
        return rewriteLoaded;
      } catch (e) {
        // In the middle of the program's own require or import: whatever failed, it must go on, untraced.
        untraced(e instanceof Error ? e.message : 'its agent failed to load');
        return (_url, result) => result;
      }
    })) return;
    const { traceChild } = await runtime();
    return traceChild(socket, source);
  }
  // Only the command's own child has its pipes: the first process reports on the command's socket
  // when a shell or a program jsprobe does not trace (Node 20's `node --test` runner) started it.
  // It connects before it loads the rest: one that cannot runs untraced, with nothing of jsprobe installed.
  if (socket !== undefined && process.env.JSPROBE_COMMAND_PID !== String(process.ppid)) {
    const { openLink, traceFirst } = await runtime();
    let gone = (): void => {};
    const sender = await openLink(socket, () => gone());
    if (typeof sender === 'string') return untraced(sender);
    return traceFirst(source, { sender, onGone: (detach) => void (gone = detach) });
  }
  const { traceFirst } = await runtime();
  return traceFirst(source);
}

await main();
