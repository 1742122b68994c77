// The agent's first part in the node processes a traced program starts (children, at any depth)
// and in their worker threads: the first process hands its children this file, bundled as CommonJS
// (build/src/agent-bundle/agent-child.cjs), to load with --require instead of agent.ts with
// --import. Everything a child does before its first line is synchronous (child-start.ts), so it
// needs no ES module's top-level await, and a CommonJS preload spares the child Node's ES module
// loader for a CommonJS program (~5 ms of CPU a child on Node 24, docs/benchmarks.md).

import { createRequire } from 'node:module';
import { childMainThread, runtimeNow, traceChildProcess } from './child-start.js';

const require = createRequire(import.meta.url);

function main(): void {
  const source = process.env.JSPROBE_PROGRAM;
  const socket = process.env.JSPROBE_SOCKET;
  if (source === undefined || socket === undefined) return;
  if (childMainThread()) return traceChildProcess(socket, source);
  const { isMainThread, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  // A main thread the environment does not tell (its pid the same as the process before it) runs
  // untraced, as agent.ts leaves it; so does jsprobe's own profile tick thread (program/profile-tick.ts).
  if (isMainThread || (workerData as { jsprobeProfileTick?: true } | null)?.jsprobeProfileTick === true) return;
  // A thread of a traced process (its main thread has set JSPROBE_PID to it).
  if (process.env.JSPROBE_PID === String(process.pid)) runtimeNow('thread').traceWorker(source);
}

main();
