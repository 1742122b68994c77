// How load sites behave over a program's life: hints, code that is already loaded, unregister,
// line probes that miss, and stack traces of rewritten code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isJsprobeError, listProbePoints, register } from '../../src/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const registerHooks = join(root, 'build/src/register.js');

function scenario(
  name: string, options: { hooks?: boolean; env?: Record<string, string>; args?: string[]; nodeArgs?: string[] } = {},
): Record<string, unknown> {
  const args = [
    ...(options.nodeArgs ?? []), ...(options.hooks === false ? [] : ['--import', registerHooks]),
    join(root, 'test/fixtures/load/scenario.mjs'), name, ...(options.args ?? []),
  ];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...options.env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('a hinted module has sites from its load: a probe registered later is armed at once', () => {
  const out = scenario('hinted', { env: { JSPROBE_LOAD_SITES: 'test/fixtures/load/lib.cjs' } });
  assert.deepEqual(out, { stateAfterRegister: 'armed', hits: 1, handled: 1, stillWorks: 22 });
});

test('one probe with globs in path and name lands on every match, in CommonJS and ES modules alike', () => {
  const out = scenario('glob');
  // Counter.prototype.add and Counter.prototype.#bump, in lib.cjs and lib.mjs: 4 sites; each
  // main() call adds then bumps.
  const add = 'Counter.prototype.add';
  const bump = 'Counter.prototype.#bump';
  assert.deepEqual(out, {
    before: 'waiting', after: 'armed', hits: 4, sites: 4,
    // call.func and call.target say which match a call is in, at entry and at return (#bump returns first).
    entries: [`${add} lib.cjs:${add}`, `${bump} lib.cjs:${bump}`, `${add} lib.mjs:${add}`, `${bump} lib.mjs:${bump}`],
    returns: [bump, add, bump, add],
  });
});

test('a counting probe, entry-only or return, counts into its cell, asks again when the map let go of it, and runs its handler when there is none', () => {
  for (const at of ['entry', 'return']) {
    const out = scenario('counted', { args: [at] });
    assert.deepEqual(out, {
      live: { cells: [2], handled: 0, hits: 2, missed: 0 },
      letGo: { cells: [2, 1], handled: 0, hits: 3, missed: 0 },
      none: { cells: [2, 1, null], handled: 1, hits: 4, missed: 0 },
    }, at);
  }
});

test('call.func over a pattern stays right when a light probe\'s calls nest, recurse, or return a promise', () => {
  // Blind: the handler reads only which function it is in, and runs at return, promise or not.
  const blind = scenario('where', { args: ['blind'] });
  assert.deepEqual(blind, { fact: 6, soon: 7, seen: ['leaf', 'fact', 'fact', 'fact', 'soon'], hits: 5 });
  // Light: it reads the return value too, so soon() reports when its promise settles.
  const light = scenario('where', { args: ['light'] });
  assert.deepEqual(light, { fact: 6, soon: 7, seen: [['leaf', 1], ['fact', 1], ['fact', 2], ['fact', 6], ['soon', 7]], hits: 5 });
});

test('a module already loaded without sites gets live sites, or breakpoint sites where LiveEdit cannot patch', () => {
  const out = scenario('already-loaded') as {
    result: number; seen: unknown[][]; probes: { site: string; state: string; note?: string }[]; error: { code: string; message: string };
  };
  const bare = scenario('bare-main') as { result: number };
  assert.equal(out.result, bare.result);
  assert.deepEqual(out.probes.map((p) => [p.site, p.state]), [['live', 'armed'], ['breakpoint', 'armed']]);
  assert.match(out.probes[1].note ?? '', /cannot be patched in place/);
  assert.deepEqual(out.seen.map((s) => s[0]), ['twice', 'main']);
  assert.deepEqual(out.seen[1], ['main', bare.result]);
  // Asked for a live site where there can be none: a clear error.
  assert.equal(out.error.code, 'JSPROBE_E_SITE_UNAVAILABLE');
  assert.match(out.error.message, /expression body/);
});

test('without the load hooks, a file target says how to get them', () => {
  assert.throws(() => register({ target: 'test/fixtures/load/lib.cjs:twice' }),
    (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && e.message.includes('node --import jsprobe/register'));
});

test('a line probe has no return: onReturn is refused', () => {
  const out = scenario('line-return') as { error: { code: string; message: string } };
  assert.equal(out.error.code, 'JSPROBE_E_INVALID_SPEC');
  assert.match(out.error.message, /use onEntry/);
});

test('a line with no statement on it leaves the probe waiting, with a note saying why', () => {
  const out = scenario('line-miss') as { probes: { state: string; note: string }[] };
  assert.equal(out.probes[0].state, 'waiting');
  assert.match(out.probes[0].note, /no statement that runs code starts at line 2/);
});

test('a misspelt function of a file that loads later leaves the probe waiting, with a note naming the nearest', () => {
  const out = scenario('name-miss') as { probes: { state: string; note: string }[] };
  assert.equal(out.probes[0].state, 'waiting');
  assert.match(out.probes[0].note, /lib\.cjs loaded, and has no function named Counter\.prototype\.ad\. Did you mean Counter\.prototype\.add[,?]/);
});

test('every way out of a function reports exactly once, with what really left it '
  + '(return, fall-through, finally override, throw, a loop\'s iterator, derived constructors, async)', () => {
  const bare = scenario('exits', { args: ['bare'], env: { JSPROBE_CACHE: '0' } }) as { result: unknown; async: unknown };
  const probed = scenario('exits', { args: ['probed'], env: { JSPROBE_CACHE: '0' } }) as { result: unknown; async: unknown; seen: unknown[][]; open: number };
  assert.deepEqual(probed.result, bare.result);
  assert.deepEqual(probed.async, bare.async);
  // new Early() throws as its return runs where V8 checks a derived constructor's return there
  // (Node 20), and after its body on later versions, where no site of the body sees the throw.
  const early = probed.seen[11];
  assert.ok(JSON.stringify(early) === '["threw","ReferenceError"]' || JSON.stringify(early) === '["returned","undefined"]', JSON.stringify(early));
  const simples = ['name', 'lit', null, 'holder'];
  const more = [null, 'ab', '', ''];
  const closed = 'close ReferenceError undefined TypeError true';
  assert.deepEqual(bare.result, [2, null, 'big', 'recovered', 6, 'boom', simples, more, closed]);
  assert.deepEqual(probed.seen, [
    ['threw', 'boom'], // boom() called by run()
    ['returned', 'name'], // simple(0): a name
    ['returned', 'lit'], // simple(1): a literal
    ['returned', 'undefined'], // simple(2): a bare return
    ['returned', { tag: 'holder' }], // holder.simple(3): this
    ['returned', 'undefined'], // bareAtEnd: `return}`
    ['returned', 'ab'], // continued
    ['returned', null], // anonymous(): a function (null in JSON)
    ['returned', null], // anonymousArrow(): an arrow
    ['threw', 'close'], // closeThrows(), closed as leavesLoop returns
    ['threw', 'close'], // leavesLoop(): its return turned into that throw, once
    early, // new Early(): its return before super(), once
    ['threw', 'close'], // closeThrows(), closed as swallowsClose's return is cut short
    ['returned', 'undefined'], // swallowsClose(): fell off its end after catching that throw
    ['threw', 'jsprobe.thrownValueNotSeen'], // new Primitive(true): returned 5, which new refuses after the body
    ['returned', 'undefined'], // new Primitive(false): fell off its end
    ['returned', 2], // overridden: the finally's value, once
    ['returned', 'undefined'], // fallsOff(1): off the end
    ['returned', 'big'],
    ['threw', 'boom'], // boom() inside caughtThenReturns
    ['returned', 'recovered'], // its second return, after its catch
    ['returned', 6], // the arrow's expression body
    ['returned', [2, null, 'big', 'recovered', 6, 'boom', simples, more, closed]], // run()
    ['returned', 2], // async later(1)
    ['returned', 'undefined'], // async later(0): off the end
  ]);
  assert.equal(probed.open, 0, 'every onEntry had its onReturn');
});

test('a generator\'s call is seen at the call, with its arguments, and its return at its completion; '
  + 'one whose parameter list cannot take the entry is seen at its first next()', () => {
  const bare = scenario('generators', { args: ['bare'], env: { JSPROBE_CACHE: '0' } }) as { result: unknown; log: string[] };
  const probed = scenario('generators', { args: ['probed'], env: { JSPROBE_CACHE: '0' } }) as { result: unknown; log: string[] };
  assert.deepEqual(probed.result, bare.result, 'probed generators behave as unprobed ones (values, length, arguments, this)');
  assert.deepEqual(bare.result, {
    values: [0, 1, 3, 8, 4, 2, 2, 'undefined1', 5, 6, 8, 9, 0, 10, 11], shapes: [1, 0, 2, 1, 1, 1, 2, 1], all: [0, 1, 2],
  });
  const enter = (name: string, args: unknown[]): string => `enter ${name} ${JSON.stringify(args)}`;
  const atCall = (name: string, args: unknown[]): string[] => [`call ${name}`, enter(name, args), `next ${name}`, `return ${name} undefined`];
  const atNext = (name: string, args: unknown[]): string[] => [`call ${name}`, `next ${name}`, enter(name, args), `return ${name} undefined`];
  assert.deepEqual(probed.log, [
    ...atCall('plain', [2]), ...atCall('noParams', []), ...atCall('trailing', [1, 2]), ...atCall('defaults', [4, 2]),
    ...atCall('pattern', [{ x: 1 }]),
    // A rest parameter, a name declared twice, its own 'use strict', `arguments` read and eval: in the body.
    ...atNext('rest', [1, 2, 3]), ...atNext('dup', [2, 2]), ...atNext('strict', [1]), ...atNext('aliased', [1]), ...atNext('evals', [6]),
    ...atCall('agen', [8]), ...atCall('o.method', [9]), ...atCall('o.amethod', []), ...atCall('K.s', [10]), ...atCall('expr', [11]),
    // Never iterated: its call is seen, and it never completes.
    'enter plain [1]', 'unused',
    'enter plain [3]', 'return plain done',
  ]);
});

test('stack traces of rewritten code keep their line numbers', () => {
  const bare = scenario('stack', { args: ['bare'] }) as { frames: string[] };
  const probed = scenario('stack', { args: ['probed'] }) as { frames: string[] };
  assert.equal(bare.frames.length, 3);
  assert.deepEqual(probed.frames.map((f) => f.split(':')[0]), bare.frames.map((f) => f.split(':')[0]));
});

test('with source maps enabled, they keep their columns too', () => {
  const nodeArgs = ['--enable-source-maps'];
  const bare = scenario('stack', { args: ['bare'], nodeArgs }) as { frames: string[] };
  const probed = scenario('stack', { args: ['probed'], nodeArgs }) as { frames: string[] };
  assert.deepEqual(probed.frames, bare.frames);
});

/** Each function a pattern probe saw while `entry` loaded and ran, by name (call.func), with its calls. */
function funcsSeen(target: string, entry: string, nodeArgs: string[] = []): Record<string, number> {
  const code = [
    `import { register } from ${JSON.stringify(join(root, 'build/src/index.js'))};`,
    'const seen = {};',
    `register({ target: ${JSON.stringify(target)}, onReturn: (c) => { seen[c.func] = (seen[c.func] ?? 0) + 1; } });`,
    `const m = await import(${JSON.stringify(pathToFileURL(entry).href)});`,
    'if (typeof m.workload === \'function\') await m.workload();',
    'process.stdout.write(JSON.stringify(seen));',
  ].join('\n');
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', registerHooks, '--input-type=module', '-e', code], {
    cwd: root, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, number>;
}

test('a source of a bundle, through its source map: only that source\'s functions, not the others\' or the bundler\'s, by their names in it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-bundle-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), 'export function query(n: number): number { return n * 2; }\n');
  writeFileSync(join(dir, 'src/b.ts'), [
    "import { query as qa } from './a';",
    'export function query(n: number): number { return qa(n) + 1; }',
    'function helperB(): number { return query(1); }',
    'helperB();',
  ].join('\n'));
  const app = join(dir, 'dist/app.cjs');
  buildSync({ entryPoints: [join(dir, 'src/b.ts')], bundle: true, platform: 'node', sourcemap: true, outfile: app, logLevel: 'warning' });
  // a.ts's query, called once by b.ts's; esbuild renamed b.ts's query to query2, and the call says query, its name in b.ts.
  assert.deepEqual(funcsSeen(join(dir, 'src/a.ts:*'), app), { query: 1 });
  const b = funcsSeen(join(dir, 'src/b.ts:*'), app);
  assert.equal(b.helperB, 1);
  assert.ok(b.query >= 1, JSON.stringify(b));
  assert.equal(b.query2, undefined);
  assert.ok(Object.keys(b).every((k) => !k.startsWith('__')), `the bundler's helpers are not b.ts's: ${Object.keys(b).join(', ')}`);
  // b.ts's query by the name it has in b.ts, or by the bundle's.
  assert.ok(funcsSeen(join(dir, 'src/b.ts:query'), app).query >= 1);
  assert.ok(funcsSeen(join(dir, 'dist/app.cjs:query2'), app).query >= 1);
});

test('a minified bundle with a source map: func, probe and call.target name each function as its source does, as -l lists it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-minified-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/Tokenizer.ts'), [
    'export class _Tokenizer {',
    '  constructor(private n: number) {}',
    '  public space(src: string): number { return src.length + this.n; }',
    "  lines(src: string): string[] { return src.split('\\n').map((l) => l.trim()).filter(function (l) { return l !== ''; }); }",
    '}',
  ].join('\n'));
  writeFileSync(join(dir, 'src/index.ts'), [
    "import { _Tokenizer } from './Tokenizer';",
    'export function lex(s: string): number { const t = new _Tokenizer(1); return t.space(s) + t.lines(s).length; }',
    'export async function workload(): Promise<void> { lex(\'a\\nb\'); }',
  ].join('\n'));
  const app = join(dir, 'dist/app.mjs');
  buildSync({ entryPoints: [join(dir, 'src/index.ts')], bundle: true, minify: true, format: 'esm', platform: 'node', sourcemap: true, outfile: app,
    logLevel: 'warning' });
  // What -l lists for the sources, parsed where they lie.
  const listed = listProbePoints(join(dir, 'src/Tokenizer.ts:*')).map((p) => p.name);
  assert.deepEqual(listed, ['_Tokenizer.constructor', '_Tokenizer.prototype.space', '_Tokenizer.prototype.lines',
    '_Tokenizer.prototype.lines.anonymous#1', '_Tokenizer.prototype.lines.anonymous#2']);
  // What a probe on them sees as the bundle runs: the same names, in the .ts file, for every call.
  const code = [
    `import { register } from ${JSON.stringify(join(root, 'build/src/index.js'))};`,
    'const seen = {};',
    `register({ target: ${JSON.stringify(join(dir, 'src/**/*.ts:*'))}, onReturn: (c) => { seen[c.target] = (seen[c.target] ?? 0) + 1; } });`,
    `const m = await import(${JSON.stringify(pathToFileURL(app).href)});`,
    'await m.workload();',
    'process.stdout.write(JSON.stringify(seen));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', registerHooks, '--input-type=module', '-e', code], {
    cwd: root, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const tok = join(dir, 'src/Tokenizer.ts');
  assert.deepEqual(JSON.parse(r.stdout), {
    [`${join(dir, 'src/index.ts')}:lex`]: 1,
    [`${join(dir, 'src/index.ts')}:workload`]: 1,
    [`${tok}:_Tokenizer.constructor`]: 1,
    [`${tok}:_Tokenizer.prototype.space`]: 1,
    [`${tok}:_Tokenizer.prototype.lines`]: 1,
    [`${tok}:_Tokenizer.prototype.lines.anonymous#1`]: 2,
    [`${tok}:_Tokenizer.prototype.lines.anonymous#2`]: 2,
  });
  // The listed name works as a target, and func says it too.
  const one = funcsSeen(`${tok}:_Tokenizer.prototype.lines.anonymous#2`, app);
  assert.deepEqual(one, { '_Tokenizer.prototype.lines.anonymous#2': 2 });
});

test('a .ts file run through tsx: its functions, not the helpers tsx adds to it (__name)', () => {
  const lib = join(root, 'test/fixtures/load/lib.ts');
  const seen = funcsSeen(`${lib}:*`, lib, ['--import', 'tsx']);
  assert.equal(seen.main, 1);
  assert.ok(Object.keys(seen).every((k) => !k.startsWith('__')), Object.keys(seen).join(', '));
});

test('an ES module loaded through require() gets its load sites, rewritten as a module', () => {
  const r = spawnSync(process.execPath, ['--import', registerHooks, join(root, 'test/fixtures/load/scenario.mjs'), 'require-esm'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  // Rewritten as a script, it loaded unprobed ("Cannot use export statement outside a module"); where
  // the ES module hook had rewritten it already (Node >= 22.15), the CommonJS hook tried again.
  assert.doesNotMatch(r.stderr, /could not add probe sites/);
  assert.deepEqual(JSON.parse(r.stdout), { result: 6, hits: 1, handled: 1, state: 'armed' });
});

test('a file the load hooks cannot rewrite is recorded for list(), by the ES module hook as by the CommonJS one', () => {
  // Files that do not parse, so that no hook can rewrite them (written here: the lint would not parse them either).
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-broken-'));
  writeFileSync(join(dir, 'broken.cjs'), 'module.exports = function broken( {\n');
  writeFileSync(join(dir, 'broken.mjs'), 'export function broken( {\n');
  const out = scenario('rewrite-failure', { args: [dir], env: { JSPROBE_LOAD_SITES: `${dir}/broken.*` } }) as { probes: { state: string; note?: string }[] };
  assert.equal(out.probes.length, 2);
  assert.match(out.probes[0].note ?? '', /broken\.cjs could not be rewritten: /);
  assert.match(out.probes[1].note ?? '', /broken\.mjs could not be rewritten: /);
});

test('a function of more than four parameters: a counting probe counts, and a probe added beside it that reads the arguments sees them all', () => {
  const out = scenario('many', { env: { JSPROBE_CACHE: '0' } });
  const results = ['123456', '5:2', '5:0', 10];
  assert.deepEqual(out, {
    counting: { results, counts: { six: 1, rest: 2, arrow: 1 } },
    reading: {
      results,
      counts: { six: 2, rest: 4, arrow: 2 },
      // An arrow's destructured parameter is not passed to probes (it has no `arguments` to read it from).
      args: [['six', [1, 2, 3, 4, 5, 6]], ['rest', [1, 2, 3, 4, 5, 6, 7]], ['rest', [1, 2, 3, 4, 5]], ['arrow', [1, 2, 3, null, 5]]],
    },
    after: { results, counts: { six: 3, rest: 6, arrow: 3 }, args: 4, hits: 12 },
  });
});
