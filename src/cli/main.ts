#!/usr/bin/env node
// The `jsprobe` command's entry: it turns on Node's compile cache (where Node has it) before it
// loads the command proper from its bundle (scripts/bundle.mjs), so that a second run compiles
// none of jsprobe's own code again. The command's process runs only jsprobe's code: the traced
// program's processes do not inherit the cache from here. The command's front (front.ts) is one
// CommonJS file, loaded with a code cache of its own (bundle-load.ts): it starts a `-c` program
// before anything else of the command loads.
//
// The package's bin is this file made CommonJS (main.cjs, scripts/bundle.mjs): as an ES module,
// Node's module loader runs it as a module job before anything of it runs (~4 M instructions, ~1.5
// ms before the program starts). This file stays an entry as it is (build/src/cli/main.js), the
// same command: it has no top-level await, so that one source makes both.

import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleLoader } from './bundle-load.js';

const enableCompileCache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
try {
  enableCompileCache?.();
} catch {
  // A cache directory that cannot be written only costs the time it would have saved.
}

async function main(): Promise<void> {
  // `jsprobe --version` alone needs none of the command: ~10 MB less memory than loading it.
  if (process.argv.length === 3 && process.argv[2] === '--version') {
    const { version } = await import('./version.js');
    // As the command does: a reader gone before the line is written is exit 141, as for SIGPIPE.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exitCode = 141;
    });
    process.stdout.write(`${version()}\n`);
    return;
  }
  // The front and what it loads after the spawn, with their compiled code cached (bundle-load.ts);
  // the command's ES modules beside them through this file's import().
  const bundles = new URL('../cli-bundle/', import.meta.url);
  const { load, save } = bundleLoader(fileURLToPath(bundles), (id) => import(new URL(id, bundles).href));
  const front = load('front.cjs') as typeof import('./front.js');
  // The caches are made by a `-c` run that has run its program to the end: they then hold what
  // such a run compiles, from the command line to the print at the end. Written only where there
  // were none (or V8 refused them): a run that reads them writes nothing.
  process.once('exit', () => {
    if (front.relayedToEnd()) save();
  });
  process.exitCode = await front.run(process.argv.slice(2));
}

// A failure the command did not catch is a crash, as it was with a top-level await: its stack on
// stderr and exit 1 (the 'unhandledRejection' default).
void main();
