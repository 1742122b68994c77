// The agent's first part as a CommonJS preload (build/src/agent-bundle/agent.cjs): the command
// loads it with --require into the traced program's first node process (launch.ts), and every
// process and thread under it inherits it. A CommonJS preload spares a CommonJS program Node's ES
// module loader, which an --import starts for the preload and then runs the program's main module
// through (4-8 M instructions in the first process on Node 24, docs/benchmarks.md). It decides what this process or
// thread is as agent.ts does, and starts tracing synchronously, before the program's first line:
// a preload that is not an ES module cannot make Node wait. So the command loads agent.ts with
// --import instead where the first process must wait (the tick thread of profile: probes,
// agent-session.ts), or where this file's path would need quoting in NODE_OPTIONS; the first
// process then hands its children this file (agent.ts, childrenRequire).

import { createRequire } from 'node:module';
import { childMainThread, runtimeNow, traceChildProcess, traceFirstProcess } from './child-start.js';

const require = createRequire(import.meta.url);

function main(): void {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  const socket = process.env.JSPROBE_SOCKET;
  // A child process's main thread, told without node:worker_threads (child-start.ts).
  if (socket !== undefined && childMainThread()) return traceChildProcess(socket, source);
  const pid = String(process.pid);
  const tracedPid = process.env.JSPROBE_PID;
  const { isMainThread, parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (!isMainThread) {
    // Node's module hooks thread (module.register's: Node 20's for jsprobe's own hooks, in each
    // traced thread, or the program's own) runs --require preloads too, but is no thread of the
    // program's: it has no parentPort, which a Worker the program started always has. Traced, it
    // would say hello and never answer, blocked between its hooks' requests.
    if (parentPort === null) return;
    // The profile tick thread (program/profile-tick.ts) is jsprobe's own: it neither traces nor is traced.
    if ((workerData as { jsprobeProfileTick?: true } | null)?.jsprobeProfileTick === true) return;
    // A thread of a traced process (its main thread has set JSPROBE_PID to it).
    if (tracedPid === pid) runtimeNow('thread').traceWorker(source);
    return;
  }
  // As agent.ts: a process started under the first that the test above did not tell (its pid the
  // same as one before it) traces as a child; the first node process under the command traces as
  // the first (BEGIN, END, intervals).
  if (tracedPid !== undefined) {
    if (socket === undefined || tracedPid === pid) return;
    return traceChildProcess(socket, source);
  }
  traceFirstProcess(source, socket);
}

main();
