// The runtime `jsprobe -p` loads into a target process: one CommonJS file with everything but
// oxc-parser (a native binary, required by the bundle's own absolute location), so that loading it
// never goes through the target's module resolution. Part of `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: ['build/src/attach/remote.js'],
  outfile: 'build/attach-runtime.cjs',
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
