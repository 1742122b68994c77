// The runtime `jsprobe -p` loads into a target process: one CommonJS file with everything but
// oxc-parser (a native binary, required by the bundle's own absolute location), so that loading it
// never goes through the target's module resolution. Part of `npm run build`.
// What the one Runtime.evaluate loads is a small third file (attach/load.ts), which starts the channel
// thread (attach/channel-thread.ts, a second file) before it requires the runtime proper.
import { copyFileSync } from 'node:fs';
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

// The report page's script and style (src/cli/report.ts reads them beside itself and inlines them).
for (const asset of ['report-page.js', 'report-page.css']) copyFileSync(`src/cli/${asset}`, `build/src/cli/${asset}`);
