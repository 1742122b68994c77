// How tracing starts, synchronously, before the program's first line, in a node process that the
// traced program started (a child, at any depth) and, from a CommonJS preload, in the first one:
// the agent's first part as an ES module (agent.ts) and as CommonJS (agent-cjs.ts) both start a
// child with it. A child traces as a worker thread does, through the command's socket
// (child-agent.ts); where all its probes name files, it loads the runtime only once a source
// matches (child-watch.ts).

import type { cacheAtExit as cacheAtExitOf, loadRuntime, RuntimeUse } from './agent-load.js';
import { agentRequire } from './agent-require.js';
import { watchChild, type Rewrite } from './child-watch.js';
import { builtinsNow, replacedSince, type Builtins } from './late-builtins.js';
import { untraced } from './untraced.js';

/** Set in the agent's bundles (scripts/bundle.mjs): where the runtime's CommonJS file is beside them. */
declare const JSPROBE_AGENT_RUNTIME: string | undefined;
/** Set in the agent's bundles: where agent-load.ts's CommonJS file is beside them. */
declare const JSPROBE_AGENT_LOAD: string | undefined;

// Node's modules come through require, not import: an ES module's import of node:fs makes a facade
// of its exports, whose getters load fs's streams, fs/promises and readline (~34 of Node's modules,
// ~6 ms on Node 24) in every traced process, which none of jsprobe's code uses.
const require = agentRequire;

/** Running from the agent's bundle, where the runtime is one CommonJS file with its code cache. */
export const bundled = typeof JSPROBE_AGENT_RUNTIME === 'string' && typeof JSPROBE_AGENT_LOAD === 'string';

/** What loads the runtime, and has its code cache written at exit (agent-load.ts). */
interface Loader {
  loadRuntime: typeof loadRuntime;
  cacheAtExit: typeof cacheAtExitOf;
}

let loaderHere: Loader | undefined;

/**
 * The CommonJS agent (agent-cjs.ts) has the runtime's loader in its own file: every traced process
 * then resolves, reads and compiles one file of jsprobe's fewer before its program's first line
 * (~1.5 ms on Node 24, docs/benchmarks.md). The ES module agent requires it beside itself (load.cjs),
 * so that Node's modules it uses come through require rather than an ES module's facades.
 */
export function loaderInFile(loader: Loader): void {
  loaderHere = loader;
}

function loader(): Loader {
  return loaderHere ??= require(JSPROBE_AGENT_LOAD!) as typeof import('./agent-load.js');
}

/**
 * Taken as the agent loads: a child's runtime may load after its program's code has run, which may
 * have replaced Module.prototype.require (require-in-the-middle, as APM agents use it), through
 * which the agent's `require` goes.
 */
const { fileURLToPath } = require('node:url') as typeof import('node:url');

/** The bundle's runtime, compiled with its code cache: synchronously, so that a load hook can load it (child-watch.ts). */
export function runtimeNow(use: RuntimeUse): typeof import('./agent-runtime.js') {
  return loader().loadRuntime(fileURLToPath(new URL(JSPROBE_AGENT_RUNTIME!, import.meta.url)), use);
}

/** The runtime's code cache, when it is to be written, written at exit after the session's end (agent-load.ts's cacheAtExit). */
export function cacheAtExit(): void {
  loader().cacheAtExit();
}

/**
 * This is the main thread of a process after the first, told from the environment alone: another
 * process's pid in JSPROBE_PID (a worker thread of a traced process has its own there), and no
 * main thread of this process has run the agent before (its worker threads find their pid in
 * JSPROBE_AGENT_PID, traceChildProcess). Such a child need not load node:worker_threads (~6 ms on
 * Node 24) to learn it, which one whose sources match nothing would never load otherwise.
 */
export function childMainThread(): boolean {
  const pid = String(process.pid);
  const tracedPid = process.env.JSPROBE_PID;
  return tracedPid !== undefined && tracedPid !== pid && process.env.JSPROBE_AGENT_PID !== pid;
}

/**
 * What the agent is to do in this process or thread, decided the same way by both of its entries
 * (agent.ts, agent-cjs.ts): nothing; trace it as a child process (started under the first, at any
 * depth); as a thread of a traced process; or as the first node process under the command.
 */
export type AgentRole = 'none' | 'child' | 'thread' | 'first';

/** The marks jsprobe's own threads carry in their workerData. */
const OWN_THREAD_MARKS = ['jsprobeProfileTick', 'jsprobeClock', 'jsprobeChannel'];

function ownThread(data: unknown): boolean {
  // Structured-cloned data, read before the thread's own code runs: nothing of the program's can answer.
  return typeof data === 'object' && data !== null && OWN_THREAD_MARKS.some((k) => Object.hasOwn(data, k) && (data as Record<string, unknown>)[k] === true);
}

export function agentRole(socket: string | undefined): AgentRole {
  // A child process's main thread, told without node:worker_threads (childMainThread).
  if (socket !== undefined && childMainThread()) return 'child';
  const pid = String(process.pid);
  const tracedPid = process.env.JSPROBE_PID;
  const { isMainThread, parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (!isMainThread) {
    // Node's module hooks thread (module.register's: Node 20's for jsprobe's own hooks, in each
    // traced thread, or the program's own) runs --require preloads too, but is no thread of the
    // program's: it has no parentPort, which a Worker the program started always has. Traced, it
    // would say hello and never answer, blocked between its hooks' requests.
    if (parentPort === null) return 'none';
    // jsprobe's own threads neither trace nor are traced: the profile tick thread
    // (program/profile-tick.ts), the coarse clock (threads/coarse-clock.ts), and a `-p` attach's
    // channel thread (attach/load.ts), which the agent of a `jsprobe -c` run in the same process
    // took for a worker of the program's and waited for at the end ("worker thread 1 did not answer").
    if (ownThread(workerData)) return 'none';
    // A thread of a traced process (its main thread has set JSPROBE_PID to it).
    return tracedPid === pid ? 'thread' : 'none';
  }
  // A process started under the first that the test above did not tell (its pid the same as one
  // before it) traces as a child; the first node process under the command traces as the first
  // (BEGIN, END, intervals).
  if (tracedPid !== undefined) return socket === undefined || tracedPid === pid ? 'none' : 'child';
  return 'first';
}

/** Load the runtime and trace through the command's socket; what rewrites an ES module that loads next. */
function traceNow(socket: string, source: string, compiling?: string): Rewrite {
  try {
    const { traceChildNow, rewriteLoaded } = runtimeNow('child');
    traceChildNow(socket, source, compiling);
    cacheAtExit();
    return rewriteLoaded;
  } catch (e) {
    // Perhaps in the middle of the program's own require or import: whatever failed, it must go on, untraced.
    untraced(e instanceof Error ? e.message : 'its agent failed to load');
    return (_url, result) => result;
  }
}

/** Trace this child process for the command's socket at `socket`: at its first matching source where it can wait for one, else now. Bundled only. */
export function traceChildProcess(socket: string, source: string): void {
  // Its worker threads know from this that they are not a process of their own (childMainThread).
  process.env.JSPROBE_AGENT_PID = String(process.pid);
  const files = process.env.JSPROBE_CHILD_FILES;
  // Where Node has no in-thread load hooks (Node 20, 22 before 22.15), watchChild cannot wait: the
  // runtime loads now, before the program, and the built-ins need no note (~1 ms).
  if (files !== undefined && typeof (require('node:module') as { registerHooks?: unknown }).registerHooks === 'function') {
    const before = builtinsNow();
    if (watchChild(JSON.parse(files) as string[], (compiling) => traceLate(before, socket, source, compiling))) return;
  }
  traceNow(socket, source);
}

/**
 * At the first matching source, after the program's own code has run (child-watch.ts): traced
 * only where the program has replaced none of the built-ins the runtime takes as it loads
 * (late-builtins.ts), which it would then call at its load and at every hit. Else untraced, with
 * what was replaced.
 */
function traceLate(before: Builtins, socket: string, source: string, compiling: string | undefined): Rewrite {
  const replaced = replacedSince(before);
  if (replaced.length === 0) return traceNow(socket, source, compiling);
  const shown = replaced.length > 3 ? `${replaced[0]}, ${replaced[1]}, ${replaced[2]} and ${replaced.length - 3} more` : replaced.join(', ');
  untraced(`its program replaced built-ins that jsprobe's runtime would call (${shown}) before the first file a probe names loaded, `
    + 'where the runtime loads; with JSPROBE_CHILD_LAZY=0 in jsprobe\'s environment, each child loads it at its start, and is traced');
  return (_url, result) => result;
}

/**
 * Trace the first node process under the command, synchronously (agent-cjs.ts): on the command's
 * pipes where the command started it, else on its socket (a shell or a program jsprobe does not
 * trace started it). One that cannot connect runs untraced. Bundled only.
 */
export function traceFirstProcess(source: string, socket: string | undefined): void {
  const { openLinkNow, traceFirst } = runtimeNow('first');
  if (socket === undefined || process.env.JSPROBE_COMMAND_PID === String(process.ppid)) {
    void traceFirst(source);
    return cacheAtExit();
  }
  let gone = (): void => {};
  const sender = openLinkNow(socket, () => gone());
  if (typeof sender === 'string') return untraced(sender);
  void traceFirst(source, { sender, onGone: (detach) => void (gone = detach) });
  cacheAtExit();
}
