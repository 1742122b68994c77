#!/usr/bin/env node
// The `jsprobe` command's entry: it turns on Node's compile cache (where Node has it) before it
// loads the command proper (command.ts) from its bundle (scripts/bundle.mjs), so that a second
// run compiles none of jsprobe's own code again. The command's process runs only jsprobe's code:
// the traced program's processes do not inherit the cache from here.

import module from 'node:module';

const enableCompileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
try {
  enableCompileCache?.();
} catch {
  // A cache directory that cannot be written only costs the time it would have saved.
}
await import(new URL('../cli-bundle/command.js', import.meta.url).href);
