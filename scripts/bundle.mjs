// The runtime `jsprobe -p` loads into a target process: one CommonJS file with everything but
// oxc-parser (a native binary, required by the bundle's own absolute location), so that loading it
// never goes through the target's module resolution. Part of `npm run build`.
// What the one Runtime.evaluate loads is a small third file (attach/load.ts), which starts the channel
// thread (attach/channel-thread.ts, a second file) before it requires the runtime proper.
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
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

// Node's modules through require, not import, in the agent's runtime and in the command. In the
// command, an ES module's import of node:util or node:fs makes a facade of all the module's exports,
// which loads what the command never uses (util's parseArgs and diff, fs's streams, fs/promises and
// readline: ~14 ms before the program starts). In the runtime, each module of jsprobe's that imports
// one of Node's required it again (64 requires of 13 modules), and read its names from Node's
// module at each use, where the program may have replaced them since. Each is a
// small module of the bundle instead, which requires Node's and reads only the names jsprobe's
// code imports from it, once (esbuild's own CommonJS interop would read them all). Dynamic imports stay
// as they are: they load on a path that needs them.
const importedNames = new Map();
const builtinImport = /import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*['"](node:[^'"]+)['"]/g;
const scan = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) scan(path);
    else if (e.name.endsWith('.js')) {
      const text = readFileSync(path, 'utf8');
      // A namespace import would get the small module's names only: say so at build time, not at run time.
      const star = /(?:import\s+\*\s+as\s+\w+|export\s+(?:\*|\{[^}]*\}))\s+from\s*['"](node:[^'"]+)['"]/.exec(text);
      if (star !== null) throw new Error(`${path}: import each name of ${star[1]} itself: the command's bundle requires it by name`);
      for (const [, , names, id] of text.matchAll(builtinImport)) {
        const set = importedNames.get(id) ?? importedNames.set(id, new Set()).get(id);
        for (const n of (names ?? '').split(',')) if (n.trim() !== '') set.add(n.trim().split(/\s+as\s+/)[0]);
      }
    }
  }
};
scan('build/src');
// What the agent copies, as the process starts, of those of Node's modules that are loaded before
// any preload: the names jsprobe's code imports from each (src/cli/agent-load.ts, asLoaded).
const runtimeNames = JSON.stringify(Object.fromEntries(['node:fs', 'node:path', 'node:url', 'node:buffer', 'node:async_hooks']
  .map((id) => [id, [...(importedNames.get(id) ?? [])].sort()])));
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      (args.kind === 'import-statement' ? { path: args.path, namespace: 'node-builtin' } : { path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path }) => {
      const names = [...(importedNames.get(path) ?? [])];
      const lines = [`const m = require(${JSON.stringify(path)});`, 'export default m;', ...names.map((n) => `export const ${n} = m.${n};`)];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
// The agent `jsprobe -c` loads into every process and thread of a traced program (src/cli/agent.ts):
// a small ES module that decides what the process is, beside one CommonJS file with all it runs
// where it traces (src/cli/agent-runtime.ts), which agent-load.ts compiles with V8's code cache.
// One file instead of ~110 modules: each traced process spends ~40-60 ms less CPU on resolving and
// loading modules, and ~30 ms less again with the cache (bench:startup). In build/src/, so that
// jsprobe's own code (sites/own-code.ts) is the same directory as unbundled, and each
// `new URL('./x.js', import.meta.url)` finds its file.
rmSync('build/src/agent-bundle', { recursive: true, force: true });
const agentBundle = { bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['oxc-parser'], logLevel: 'warning' };
const agentFiles = { JSPROBE_AGENT_RUNTIME: '"./runtime.js"', JSPROBE_AGENT_LOAD: '"./load.cjs"', JSPROBE_RUNTIME_NAMES: runtimeNames };
await build({
  ...agentBundle,
  entryPoints: ['build/src/cli/agent.js'],
  outfile: 'build/src/agent-bundle/agent.js',
  define: { ...agentFiles, JSPROBE_AGENT_CJS: '"./agent.cjs"' },
});
// The same as CommonJS, which the command loads with --require where it can (src/cli/agent-cjs.ts,
// src/cli/launch.ts), and which the first process loaded with --import hands its children.
await build({
  ...agentBundle,
  format: 'cjs',
  entryPoints: ['build/src/cli/agent-cjs.js'],
  outfile: 'build/src/agent-bundle/agent.cjs',
  // Node's names read once, as the agent loads: at the program's exit it may write its code cache
  // (cache-dir.ts), when the program may have replaced fs's functions.
  plugins: [builtinsByRequire],
  banner: { js: "const __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  // The file's own require where a module of the agent would make one (src/cli/agent-require.ts).
  define: { ...agentFiles, 'import.meta.url': '__jsprobe_meta_url', JSPROBE_CJS_REQUIRE: 'require' },
});
// What compiles the runtime with its code cache (src/cli/agent-load.ts), as CommonJS: agent.js
// requires it, so that Node's modules it uses come without an ES module's facades (agent.ts).
await build({
  ...agentBundle,
  format: 'cjs',
  entryPoints: ['build/src/cli/agent-load.js'],
  outfile: 'build/src/agent-bundle/load.cjs',
  plugins: [builtinsByRequire],
  define: { JSPROBE_RUNTIME_NAMES: runtimeNames },
});
// The language's compiler, beside the runtime rather than in it: the command hands every traced
// process the compiled program (cli/program-env.ts), so that the runtime loads this file only for a
// program too big for the environment (cli/agent-program.ts). 57 kB less of the runtime to read,
// compile and run in each process. In the runtime, lang/compile.js is a stub that requires it.
await build({ ...agentBundle, format: 'cjs', entryPoints: ['build/src/lang/compile.js'], outfile: 'build/src/agent-bundle/lang.cjs' });
const compilerBeside = {
  name: 'compiler-beside',
  setup(b) {
    b.onResolve({ filter: /\/lang\/compile\.js$/ }, (args) => ({ path: args.path, namespace: 'compiler-beside' }));
    b.onResolve({ filter: /^\.\/lang\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'compiler-beside' }, () => ({
      contents: "export function compile(source, options) { return require('./lang.cjs').compile(source, options); }",
      loader: 'js',
    }));
  },
};
// Source maps (@jridgewell's packages), beside the runtime rather than in it, as the compiler is: a
// traced process needs them only for a source that comes with a map, or a live site's line. In the
// runtime, each name of theirs jsprobe imports is a stub that requires this file when first called.
// 18 kB less of the runtime to read, compile and run in each process.
const mapNames = {
  '@jridgewell/sourcemap-codec': ['encode'],
  '@jridgewell/trace-mapping': ['TraceMap', 'decodedMappings', 'encodedMappings', 'generatedPositionFor', 'originalPositionFor'],
};
// Its constants are copied into the stub, as the packages have them, so that reading one loads nothing.
const mapConstants = { '@jridgewell/trace-mapping': ['LEAST_UPPER_BOUND'] };
await build({
  ...agentBundle,
  format: 'cjs',
  stdin: {
    contents: Object.entries(mapNames).map(([id, names]) => `export { ${[...names, ...(mapConstants[id] ?? [])].join(', ')} } from '${id}';`).join('\n'),
    resolveDir: '.',
    loader: 'js',
  },
  outfile: 'build/src/agent-bundle/sourcemap.cjs',
});
const mapsLib = createRequire(import.meta.url)(resolvePath('build/src/agent-bundle/sourcemap.cjs'));
const mapsBeside = {
  name: 'maps-beside',
  setup(b) {
    b.onResolve({ filter: /^@jridgewell\/(trace-mapping|sourcemap-codec)$/ }, (args) => ({ path: args.path, namespace: 'maps-beside' }));
    b.onResolve({ filter: /^\.\/sourcemap\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'maps-beside' }, ({ path }) => {
      const lines = ["let m; const lib = () => (m ??= require('./sourcemap.cjs'));"];
      for (const n of mapNames[path]) {
        // TraceMap is constructed: a constructor that returns an object gives that object to `new`.
        lines.push(n === 'TraceMap'
          ? 'export function TraceMap(map, url) { return new (lib().TraceMap)(map, url); }'
          : `export function ${n}(...args) { return lib().${n}(...args); }`);
      }
      for (const n of mapConstants[path] ?? []) lines.push(`export const ${n} = ${JSON.stringify(mapsLib[n])};`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
// Already wrapped as Node wraps a CommonJS module, so that agent-load.ts compiles the file's text as
// it is read, not a copy of it with the wrapper around.
await build({
  ...agentBundle,
  format: 'cjs',
  plugins: [compilerBeside, mapsBeside, builtinsByRequire],
  entryPoints: ['build/src/cli/agent-runtime.js'],
  outfile: 'build/src/agent-bundle/runtime.js',
  // No indentation, no blank lines: every traced process reads this file and decodes it into a string before its
  // program's first line (~3 ms for 416 kB on Node 24 here); the names stay, for stacks and own-code.ts.
  minifyWhitespace: true,
  banner: {
    js: "(function (exports, require, module, __filename, __dirname) {\nconst __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;",
  },
  footer: { js: '\n})' },
  define: { 'import.meta.url': '__jsprobe_meta_url', JSPROBE_HOOKS_THREAD: '"./hooks-thread.js"', JSPROBE_SELF_CONTAINED: 'true' },
});
// The threads it starts share no module with it (each is an isolate of its own): a file each, so
// that the agent's chunks are cut along its own paths only. All in one directory: sites/own-code.ts
// finds jsprobe's own code from where it is, and register.ts is told where Node 20's hooks thread is.
const threads = {
  'profile-tick-thread': 'build/src/program/profile-tick-thread.js',
  'clock-worker': 'build/src/threads/clock-worker.js',
  'hooks-thread': 'build/src/threads/hooks-thread.js',
};
// Node 20's hooks thread rewrites too: from its own file, which its rewrite cache names (rewrite-cache.ts).
for (const [out, entry] of Object.entries(threads)) {
  await build({ ...agentBundle, entryPoints: [entry], outfile: `build/src/agent-bundle/${out}.js`, define: { JSPROBE_SELF_CONTAINED: 'true' } });
}
// ASCII only: esbuild escapes every other character in code, but leaves comments as they are, and
// a single '→' in one makes V8 hold the whole 484 kB runtime as two bytes a character (~0.5 MB more
// in every traced process, and as much again to copy and collect). A comment is all it can be here.
const asciiWords = { '→': '->', '←': '<-', '…': '...', '×': 'x', '≤': '<=', '≥': '>=', '—': '--', '–': '-' };
// esbuild's helper that defines a module's exports walks their names with `for…in`, which takes
// the enumerable names of Object.prototype too: where a child's runtime loads after its program has
// run (cli/child-watch.ts), a program that had put one there would have it defined as a getter of
// jsprobe's exports, and called. Its own names only (test/safety/pollute.test.ts).
const forInExport = /for\s*\(var name in all\)\s*__defProp\(target,\s*name,\s*\{\s*get:\s*all\[name\],\s*enumerable:\s*true\s*\}\)/g;
const ownExport = 'for(var __names=Object.getOwnPropertyNames(all),__i=0;__i<__names.length;__i++)'
  + '__defProp(target,__names[__i],{get:all[__names[__i]],enumerable:true})';
/** The bundle at `path` with esbuild's __export walking own names only (and `also` done to its text). */
function ownExports(path, also = (text) => text) {
  const text = readFileSync(path, 'utf8');
  const out = also(text).replace(forInExport, ownExport);
  if (/\bin all\)/.test(out)) throw new Error(`${path}: esbuild's __export helper has a shape bundle.mjs does not know`);
  if (out !== text) writeFileSync(path, out);
}
for (const file of readdirSync('build/src/agent-bundle')) {
  ownExports(`build/src/agent-bundle/${file}`, (text) => text.replace(/[\u0080-\uffff]/g, (c) => asciiWords[c] ?? '?'));
}
// A -p attach loads its runtime into the target, after the program has run.
for (const [, outfile] of bundles) ownExports(outfile);

// The command: its front (src/cli/front.ts, which src/cli/main.ts requires), one CommonJS file with
// all a plain `-c` run does up to the program's spawn and the relay after it; and the rest of the
// command as ES modules (src/cli/command.ts and the parts the front loads after the spawn), with a
// chunk for each part they load only when asked (attaching, --prometheus, --otlp, the report page,
// the print at the end). Beside them, the files their modules find next to themselves: the threads
// and the report page's script and style.
rmSync('build/src/cli-bundle', { recursive: true, force: true });
// Its packages stay in node_modules: ws and OpenTelemetry's are CommonJS, which an ES module bundle
// could not require Node's modules from, and they load only when asked for anyway.
// What the front loads with import(), each an entry of the ES module build, so that it finds them by
// name: the front is one file, and a module it imported would otherwise be bundled into it.
const frontImports = {
  command: 'build/src/cli/command.js',
  'print-end': 'build/src/cli/print-end.js',
  'busy-stop': 'build/src/cli/busy-stop.js',
  otlp: 'build/src/cli/otlp.js',
};
await build({
  ...agentBundle,
  packages: 'external',
  plugins: [builtinsByRequire],
  banner: { js: "import { createRequire as __jsprobe_createRequire } from 'node:module';\nconst require = __jsprobe_createRequire(import.meta.url);" },
  entryPoints: frontImports,
  outdir: 'build/src/cli-bundle',
  splitting: true,
  chunkNames: 'chunk-[hash]',
});
// One CommonJS file: no module jobs to resolve, link and evaluate one by one before the program
// starts (Node's compile cache applies to it as to ES modules). A dynamic import in it stays one,
// of the entry above of the same name; one without an entry fails the build, as it would otherwise
// grow the front by a module that loads only when asked.
// The front and what it loads after the spawn on a plain `-c` run (the print at the end: no ES
// module loader then) are CommonJS files that src/cli/bundle-load.ts compiles with a code cache of
// its own, made after a run: each is the module's wrapper function already, with two more
// parameters, `__jsprobe_import` (main.ts's import(), for the ES modules above: a script compiled
// by vm has none) and `__jsprobe_load` (the loader, for a bundle the front loads).
const cachedBundles = { 'print-end': 'build/src/cli/print-end.js' };
const bundleWrapper = {
  banner: {
    js: '(function (exports, require, module, __filename, __dirname, __jsprobe_import, __jsprobe_load) {\n'
      + "const __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;",
  },
  footer: { js: '\n})' },
};
const entryOf = new Map(Object.entries(frontImports).map(([name, file]) => [resolvePath(file), `./${name}.js`]));
const cachedOf = new Map(Object.entries(cachedBundles).map(([name, file]) => [resolvePath(file), `${name}.cjs`]));
const frontSplit = {
  name: 'front-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const path = resolvePath(args.resolveDir, args.path);
      if (cachedOf.has(path)) return { path: cachedOf.get(path), namespace: 'cached-bundle' };
      const entry = entryOf.get(path);
      if (entry === undefined) throw new Error(`${args.importer}: import('${args.path}') has no entry in the command's ES module build (frontImports)`);
      return { path: entry, external: true };
    });
    // import() of a cached bundle: a module of the front's own, loaded at the import, whose exports are the bundle's.
    b.onLoad({ filter: /.*/, namespace: 'cached-bundle' }, ({ path }) => ({
      contents: `module.exports = __jsprobe_load(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};
// What the front needs only when a cache misses, in CommonJS files of their own beside it, required
// at the first call of one of their functions: the language's compiler (lang/compile.js, for a
// program the program cache does not hold: cli/program-cache.ts) and the parse of a target's files
// (sites/rewrite/, for files the points cache does not hold: targets/points-cache.ts). On a run
// whose caches hold both, the front no longer reads and deserialises ~95 kB it does not run (of
// ~150 kB). A stub exports each function the module exports (`export function`), forwarded; a name
// of anything else (a class, a constant) is not in the stub, and a front that imported one would
// fail the build here. The compiler's ProgramError is its own file's class: the stub makes it the
// front's again (the same diagnostics, from their offsets), so that the front's isProgramError
// knows it.
const besideFront = {
  './compiler.cjs': ['build/src/lang/compile.js'],
  // With what reads a module's exports from its text (-l file#export, --dry-run -p): only those two ask.
  './files-parse.cjs': [...['functions', 'lines', 'insertions', 'instrument'].map((m) => `build/src/sites/rewrite/${m}.js`),
    'build/src/targets/export-text.js', 'build/src/targets/cjs-holders.js'],
};
const besideOf = new Map();
for (const [out, files] of Object.entries(besideFront)) {
  const lines = files.map((f, i) => `export * as m${i} from ${JSON.stringify(resolvePath(f))};`);
  await build({
    ...agentBundle,
    format: 'cjs',
    plugins: [builtinsByRequire],
    packages: 'external',
    stdin: { contents: lines.join('\n'), resolveDir: '.', loader: 'js' },
    outfile: `build/src/cli-bundle/${out.slice(2)}`,
    banner: { js: "const __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__jsprobe_meta_url' },
  });
  for (const [index, f] of files.entries()) {
    const names = [...readFileSync(f, 'utf8').matchAll(/^export (?:async )?function\*? ?(\w+)/gm)].map((m) => m[1]);
    besideOf.set(resolvePath(f), { out, index, names });
  }
}
const stubbed = new Set(besideOf.keys());
const lazyBeside = {
  name: 'lazy-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.cjs$/ }, (args) => (args.path in besideFront ? { path: args.path, external: true } : undefined));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = resolvePath(args.resolveDir, args.path);
      // The stubbed modules' imports of each other are inside the file beside, not stubbed.
      if (!stubbed.has(path) || stubbed.has(args.importer)) return undefined;
      return { path, namespace: 'lazy-beside' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-beside' }, ({ path }) => {
      const { out, index, names } = besideOf.get(path);
      const own = `require(${JSON.stringify(out)}).m${index}`;
      if (path.endsWith('/lang/compile.js')) {
        const errors = JSON.stringify(resolvePath('build/src/lang/errors.js'));
        return {
          contents: [
            `import { ProgramError } from ${errors};`,
            `export { ProgramError, isProgramError } from ${errors};`,
            `export function compile(source, options) {
              const lang = ${own};
              try { return lang.compile(source, options); } catch (e) { throw lang.isProgramError(e) ? new ProgramError(source, e.diagnostics) : e; }
            }`,
          ].join('\n'),
          loader: 'js',
          resolveDir: '.',
        };
      }
      return { contents: names.map((n) => `export function ${n}(...a) { return ${own}.${n}(...a); }`).join('\n'), loader: 'js' };
    });
  },
};
await build({
  ...agentBundle,
  format: 'cjs',
  packages: 'external',
  plugins: [frontSplit, lazyBeside, builtinsByRequire],
  entryPoints: ['build/src/cli/front.js'],
  outfile: 'build/src/cli-bundle/front.cjs',
  ...bundleWrapper,
  define: { 'import.meta.url': '__jsprobe_meta_url' },
});
for (const [name, entry] of Object.entries(cachedBundles)) {
  await build({
    ...agentBundle,
    format: 'cjs',
    packages: 'external',
    plugins: [builtinsByRequire],
    entryPoints: [entry],
    outfile: `build/src/cli-bundle/${name}.cjs`,
    ...bundleWrapper,
    define: { 'import.meta.url': '__jsprobe_meta_url' },
  });
}
// The front's import()s of the ES modules, through main.ts's (above). ASCII only, as the agent's
// bundles: bundle-load.ts reads them as latin1.
for (const name of ['front', ...Object.keys(cachedBundles)]) {
  const path = `build/src/cli-bundle/${name}.cjs`;
  const text = readFileSync(path, 'utf8').replace(/\bimport\((?=["'])/g, '__jsprobe_import(').replace(/[\u0080-\uffff]/g, (c) => asciiWords[c] ?? '?');
  if (/\bimport\(/.test(text)) throw new Error(`${path}: an import() that is not of a file beside it: a script compiled by vm has none`);
  writeFileSync(path, text);
}
for (const [out, entry] of Object.entries(threads)) await build({ ...agentBundle, entryPoints: [entry], outfile: `build/src/cli-bundle/${out}.js` });
// The package's bin: the command's entry (src/cli/main.ts) as CommonJS, beside its ES module build,
// bundled with the loader of the bundles above (src/cli/bundle-load.ts) and what it needs. An ES
// module entry is a module job of Node's loader before any of it runs (~1.5 ms before the program
// starts); a CommonJS one is compiled and run at once. version.js is in it, run only for --version.
await build({
  entryPoints: ['build/src/cli/main.js'],
  outfile: 'build/src/cli/main.cjs',
  bundle: true,
  packages: 'external',
  plugins: [builtinsByRequire],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: "const __jsprobe_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__jsprobe_meta_url' },
});

// The report page's script and style (src/cli/report.ts reads them beside itself and inlines them).
for (const asset of ['report-page.js', 'report-page.css']) {
  copyFileSync(`src/cli/${asset}`, `build/src/cli/${asset}`);
  copyFileSync(`src/cli/${asset}`, `build/src/cli-bundle/${asset}`);
}
