// The runtime `jsprobe -p` loads into a target process: one CommonJS file with everything but
// oxc-parser (a native binary, required by the bundle's own absolute location), so that loading it
// never goes through the target's module resolution. Part of `npm run build`.
// What the one Runtime.evaluate loads is a small third file (attach/load.ts), which starts the channel
// thread (attach/channel-thread.ts, a second file) before it requires the runtime proper.
import { copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const bundles = [
  ['build/src/attach/load.js', 'build/attach-load.cjs'],
  ['build/src/attach/remote.js', 'build/attach-runtime.cjs'],
  ['build/src/attach/channel-thread.js', 'build/attach-channel.cjs'],
];
for (const [entry, outfile] of bundles) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['oxc-parser'],
    // Modules that find files next to themselves (import.meta.url) find them next to the bundle.
    banner: { js: "const __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__jsprobe_meta_url' },
    logLevel: 'warning',
  });
}

// The agent `jsprobe -c` loads into every process and thread of a traced program (src/cli/agent.ts):
// an ES module bundle beside the library, with a chunk for each path the agent takes (first process,
// worker thread, child process) and the threads it starts as entries of their own. One file per
// path instead of ~110 modules: each traced process spends ~40-60 ms less CPU on resolving and
// loading modules (bench:startup). In build/src/, so that jsprobe's own code (sites/own-code.ts) is
// the same directory as unbundled, and each `new URL('./x.js', import.meta.url)` finds its file.
rmSync('build/src/agent-bundle', { recursive: true, force: true });
await build({
  entryPoints: [
    { in: 'build/src/cli/agent.js', out: 'agent' },
    { in: 'build/src/cli/watchdog-thread.js', out: 'watchdog-thread' },
    { in: 'build/src/program/profile-tick-thread.js', out: 'profile-tick-thread' },
    { in: 'build/src/threads/clock-worker.js', out: 'clock-worker' },
    // register.ts hands Node 20's module.register this path, relative to itself.
    { in: 'build/src/threads/hooks-thread.js', out: 'threads/hooks-thread' },
  ],
  outdir: 'build/src/agent-bundle',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['oxc-parser'],
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});

// The report page's script and style (src/cli/report.ts reads them beside itself and inlines them).
for (const asset of ['report-page.js', 'report-page.css']) copyFileSync(`src/cli/${asset}`, `build/src/cli/${asset}`);
