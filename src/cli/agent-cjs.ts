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

import { cacheAtExit, loadRuntime } from './agent-load.js';
import { agentRole, loaderInFile, runtimeNow, traceChildProcess, traceFirstProcess } from './child-start.js';

function main(): void {
  loaderInFile({ loadRuntime, cacheAtExit });
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  const socket = process.env.JSPROBE_SOCKET;
  switch (agentRole(socket)) {
    case 'child': return traceChildProcess(socket!, source);
    case 'thread': return runtimeNow('thread').traceWorker(source);
    case 'first': return traceFirstProcess(source, socket);
    case 'none': return;
  }
}

main();
