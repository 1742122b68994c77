// Everything the agent runs in a traced process, past deciding what the process is (agent.ts): the
// entry of the one CommonJS file (build/src/agent-bundle/runtime.js, scripts/bundle.mjs) that
// agent-load.ts compiles with V8's code cache.

export { traceFirst, traceWorker } from './agent-session.js';
export { openLink, openLinkNow, traceChild, traceChildNow } from './child-agent.js';
export { rewriteLoaded } from '../sites/hooks/esm.js';
