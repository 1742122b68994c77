// The part of `jsprobe -c` that runs inside the traced program, before the program's own code, in
// every process and thread of it: this file only decides what this one is, and imports the rest
// only where it traces. The first process's main thread traces with the command's pipes
// (agent-session.ts); its worker threads register the same probes and report to it; any other node
// process started under the command connects to the command's socket (child-agent.ts).
//
// This is the agent as an ES module, which the command loads with `--import` only where the first
// process must wait before the program's first line (profile: probes) or where the CommonJS file's
// path would need quoting; everywhere else it loads agent-cjs.ts's CommonJS file with `--require`,
// which decides the same way, synchronously (launch.ts). Under this one, the first process hands
// its children the CommonJS file where it can.
//
// The command loads the bundle of this file (build/src/agent-bundle/agent.js, scripts/bundle.mjs),
// which loads the rest, where it traces, from one CommonJS file with V8's code cache (agent-load.ts,
// itself a CommonJS file beside it, load.cjs).

import type { RuntimeUse } from './agent-load.js';
import { agentRequire as require } from './agent-require.js';
import { agentRole, bundled, cacheAtExit, runtimeNow, traceChildProcess } from './child-start.js';
import { untraced } from './untraced.js';

/** Set in the agent's bundle (scripts/bundle.mjs): where agent-cjs.ts's CommonJS file is beside it. */
declare const JSPROBE_AGENT_CJS: string | undefined;

/** What traces, compiled with its code cache from the bundle; unbundled (tsc's output), its modules as they are. */
async function runtime(use: RuntimeUse): Promise<typeof import('./agent-runtime.js')> {
  if (bundled) return runtimeNow(use);
  // Not a literal: the bundle must not take the runtime's modules in.
  return import(new URL('./agent-runtime.js', import.meta.url).href) as Promise<typeof import('./agent-runtime.js')>;
}

/** A node process started under the command (a child node, at any depth): child-start.ts. */
async function traceChildProcessHere(socket: string, source: string): Promise<void> {
  if (bundled) return traceChildProcess(socket, source);
  const { traceChild } = await runtime('child');
  return traceChild(socket, source);
}

/**
 * The first process's children load the agent with --require, from agent-cjs.ts's CommonJS file,
 * rather than this ES module with --import: a child starts synchronously, and a CommonJS preload
 * spares it Node's ES module loader (agent-cjs.ts). Only where NODE_OPTIONS names this file as the
 * command wrote it, and the other's path needs no quoting there (NODE_OPTIONS splits at spaces).
 */
function childrenRequire(): void {
  const options = process.env.NODE_OPTIONS;
  const own = `--import=${import.meta.url}`;
  if (typeof JSPROBE_AGENT_CJS !== 'string' || options === undefined || !options.includes(own)) return;
  const { fileURLToPath } = require('node:url') as typeof import('node:url');
  const file = fileURLToPath(new URL(JSPROBE_AGENT_CJS, import.meta.url));
  if (!/[\s"'\\]/.test(file)) process.env.NODE_OPTIONS = options.replace(own, `--require=${file}`);
}

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  const socket = process.env.JSPROBE_SOCKET;
  const role = agentRole(socket);
  if (role === 'none') return;
  if (role === 'child') return traceChildProcessHere(socket!, source);
  if (role === 'thread') {
    const { traceWorker } = await runtime('thread');
    return traceWorker(source);
  }
  // Only the command's own child has its pipes: the first process reports on the command's socket
  // when a shell or a program jsprobe does not trace (Node 20's `node --test` runner) started it.
  // It connects before it loads the rest: one that cannot runs untraced, with nothing of jsprobe installed.
  childrenRequire();
  if (socket !== undefined && process.env.JSPROBE_COMMAND_PID !== String(process.ppid)) {
    const { openLink, traceFirst } = await runtime('first');
    let gone = (): void => {};
    const sender = await openLink(socket, () => gone());
    if (typeof sender === 'string') return untraced(sender);
    return cacheAfter(traceFirst(source, { sender, onGone: (detach) => void (gone = detach) }));
  }
  const { traceFirst } = await runtime('first');
  return cacheAfter(traceFirst(source));
}

/** `tracing`, once the runtime's code cache is to be written at exit after its end (child-start.ts's cacheAtExit). */
function cacheAfter(tracing: Promise<void>): Promise<void> {
  if (bundled) cacheAtExit();
  return tracing;
}

await main();
