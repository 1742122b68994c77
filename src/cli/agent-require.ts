// The `require` the agent's first part (agent.ts, agent-cjs.ts and what they share) asks Node's
// modules and its own files with. In the CommonJS agent (build/src/agent-bundle/agent.cjs) it is
// the file's own, which Node made as it loaded it; elsewhere one made for this module's URL. Making
// one (createRequire, from a file: URL) costs ~0.5-0.8 ms in every traced process on Node 24, most
// of it resolving the path for the first time, before the program's first line.

import { createRequire } from 'node:module';

/** Set in the CommonJS agent's bundle (scripts/bundle.mjs) to the file's own `require`. */
declare const JSPROBE_CJS_REQUIRE: NodeJS.Require | undefined;

export const agentRequire: NodeJS.Require = typeof JSPROBE_CJS_REQUIRE === 'function' ? JSPROBE_CJS_REQUIRE : createRequire(import.meta.url);
