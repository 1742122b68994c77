#!/usr/bin/env node
// The `jsprobe` command's entry: it turns on Node's compile cache (where Node has it) before it
// loads the command proper from its bundle (scripts/bundle.mjs), so that a second run compiles
// none of jsprobe's own code again. The command's process runs only jsprobe's code: the traced
// program's processes do not inherit the cache from here. The command's front (front.ts) is one
// CommonJS file, required: it starts a `-c` program before anything else of the command loads.

import module from 'node:module';

const enableCompileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
try {
  enableCompileCache?.();
} catch {
  // A cache directory that cannot be written only costs the time it would have saved.
}
// `jsprobe --version` alone needs none of the command: ~10 MB less memory than loading it.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const { version } = await import('./version.js');
  // As the command does: a reader gone before the line is written is exit 141, as for SIGPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exitCode = 141;
  });
  process.stdout.write(`${version()}\n`);
} else {
  const front = module.createRequire(import.meta.url)('../cli-bundle/front.cjs') as typeof import('./front.js');
  process.exitCode = await front.run(process.argv.slice(2));
}
