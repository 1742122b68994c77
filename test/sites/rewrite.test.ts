// The load-site rewrite on its own: every function gets a site, names follow the target syntax,
// lines never move, and the rewritten code behaves as the original when no probe is armed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { functionSlots } from '../../src/sites/rewrite/abi.js';
import { instrument, parse, ParseError } from '../../src/sites/rewrite/instrument.js';
import { lineStarts } from '../../src/sites/rewrite/insertions.js';
import { findFunctions } from '../../src/sites/rewrite/functions.js';

const names = (src: string, format: 'module' | 'script' = 'script'): string[] =>
  functionSlots(instrument(src, { url: 'file:///x.js', format }).table.fns, undefined).map((f) => f.name);

test('qualified names follow the target syntax', () => {
  assert.deepEqual(names('function a() { function b() {} const c = () => 1 }'), ['a', 'a.b', 'a.c']);
  assert.deepEqual(names('class Db { constructor() {} query() {} static make() {} get n() { return 1 } #p() {} [Symbol.iterator]() {} }'),
    ['Db.constructor', 'Db.prototype.query', 'Db.make', 'Db.prototype.n.get', 'Db.prototype.#p', 'Db.prototype.[Symbol.iterator]']);
  assert.deepEqual(names('const api = { list() {}, get: function () {}, nested: { deep: () => 1 } }'), ['api.list', 'api.get', 'api.nested.deep']);
  assert.deepEqual(names('module.exports = { run() {} }; exports.stop = function () {}; Foo.prototype.bar = function () {}'),
    ['run', 'stop', 'Foo.prototype.bar']);
  assert.deepEqual(names('export default function () {}', 'module'), ['default']);
  assert.deepEqual(names('arr.map(function () {}); (() => { function inIife() {} })()'), ['anonymous#1', 'anonymous#2', 'inIife']);
  // Told apart by their place among those of what they are in, in source order; numbered even when
  // alone, so that a second callback does not rename the first.
  assert.deepEqual(names('function handle() { a(() => 1, function () { b(() => 2) }) } c(() => 3); d(class { m() { e(() => 4) } })'),
    ['handle', 'handle.anonymous#1', 'handle.anonymous#2', 'handle.anonymous#3', 'anonymous#1', 'anonymous.prototype.m', 'anonymous.prototype.m.anonymous#1']);
  assert.deepEqual(names('const twice = __name((v) => v * 2, "twice")'), ['twice']);
});

test('a getter and a setter of one property are told apart by .get and .set; the property\'s name stays an alias of both', () => {
  const src = 'class C { get v() { return 1 } set v(x) {} static get s() { return 2 } } const o = { get p() { return () => 1 } }';
  const fns = functionSlots(instrument(src, { url: 'file:///x.js', format: 'script' }).table.fns, undefined);
  assert.deepEqual(fns.map((f) => [f.name, f.aliases]), [
    ['C.prototype.v.get', ['C.prototype.v', 'C.v.get', 'C.v']],
    ['C.prototype.v.set', ['C.prototype.v', 'C.v.set', 'C.v']],
    ['C.s.get', ['C.s']],
    ['o.p.get', ['o.p']],
    // What an accessor holds keeps the property's name as its prefix, as before.
    ['o.p.anonymous#1', []],
  ]);
});

test('a function expression\'s own name is an alias of it: its stack frames show that name', () => {
  const src = 'const h = function named() {}; const same = function same() {}; exports.x = function impl() {}; const o = { m: function own() {} }; '
    + 'function outer() { const i = function inner() {} }';
  const fns = functionSlots(instrument(src, { url: 'file:///x.js', format: 'script' }).table.fns, undefined);
  assert.deepEqual(fns.map((f) => [f.name, f.aliases]), [
    ['h', ['named']], ['same', []], ['x', ['impl']], ['o.m', ['own']], ['outer', []], ['outer.i', ['outer.inner']],
  ]);
});

test('TypeScript: overload signatures, abstract and declared functions and index signatures are types, not sites', () => {
  const src = [
    'export class A { m(a: string): string; m(a: number): number; m(a: any) { return a } [key: string]: unknown; declare d: number }',
    'export function f(a: string): string; export function f(a: any) { return a }',
    'declare function g(): void;',
    'abstract class B { abstract n(): void; o() {} }',
    'interface I { p(): void }',
  ].join('\n');
  assert.deepEqual(findFunctions(parse(src, 'module', 'x.ts', 'ts'), src).map((s) => s.name), ['A.prototype.m', 'f', 'B.prototype.o']);
});

test('names a function is exported under match it too', () => {
  const first = (src: string, format: 'module' | 'script'): [string, string[]] => {
    const [{ name, aliases }] = functionSlots(instrument(src, { url: 'x', format }).table.fns, undefined);
    return [name, aliases];
  };
  assert.deepEqual(first('function total() {} export { total as default }', 'module'), ['total', ['default']]);
  assert.deepEqual(first('function main() {} module.exports = main; exports.x = main', 'script'), ['main', ['default', 'x']]);
  assert.deepEqual(first('class A { m() {} } exports.B = A', 'script'), ['A.prototype.m', ['A.m', 'B.prototype.m', 'B.m']]);
});

test('lines never move: the rewrite inserts text, never a newline', () => {
  const src = readFileSync(new URL('../../../test/fixtures/load/lib.cjs', import.meta.url), 'utf8');
  const out = instrument(src, { url: 'x', format: 'script', lines: [{ line: 33, column: 0, key: '-1:33' }] });
  const before = src.split('\n');
  const after = out.code.split('\n');
  // One line more, after the last: the function that hands the insertions over (for ustack).
  assert.equal(after.length, before.length + 1);
  assert.match(after[after.length - 1], /^function \$jpH\(\)\{return "[^"]*"\}$/);
  for (let i = 0; i < before.length; i++) {
    // Taking out what was inserted on a line gives back the original line.
    let line = '';
    let pos = 0;
    let origPos = 0;
    for (const { col, len } of out.shifts.get(i) ?? []) {
      line += after[i].slice(pos, pos + (col - origPos));
      pos += col - origPos + len;
      origPos = col;
    }
    line += after[i].slice(pos);
    assert.equal(line, before[i], `line ${i + 1}`);
  }
  parse(out.code, 'script', 'rewritten.js');
});

test('disarmed, the rewritten module behaves as the original', () => {
  const src = readFileSync(new URL('../../../test/fixtures/load/lib.cjs', import.meta.url), 'utf8');
  const out = instrument(src, { url: 'x', format: 'script' });
  const load = (code: string): { workload(): Promise<unknown> } & ((n: number) => number) => {
    const module = { exports: {} as never };
    runInNewContext(`(function (module, exports, require) {${code}\n})`, {})(module, module.exports, createRequire(import.meta.url));
    return module.exports;
  };
  const orig = load(src);
  const probed = load(out.code);
  assert.equal(probed(7), orig(7));
  assert.equal(probed.length, orig.length);
  assert.equal(probed.name, orig.name);
  return Promise.all([orig.workload(), probed.workload()]).then(([a, b]) => assert.equal(JSON.stringify(b), JSON.stringify(a)));
});

test('tricky shapes stay valid JavaScript', () => {
  const cases = [
    'const f = x => (a, b)',
    'const g = x => ({ a: x })',
    'const h = x => y => z => x + y + z',
    'function r() { return\n 1 }',
    'function s() { try { return 1 } finally { return 2 } }',
    'function t() { "use strict"; return this }',
    'class A extends B { constructor() { const f = () => this; super(); f() } }',
    'function u({ a }, [b], ...rest) { return a + b + rest.length }',
    'function v(a, b, c, d, e, f) { return arguments.length }',
    'function v2(a, b, c, d, e, ...r) { return r } const v3 = (a, b, c, { d }, e) => e',
    'async function w() { for await (const x of y) { if (x) return x } }',
    'function* gen() { const x = yield 1; return x }',
    'label: for (;;) { break label }',
    'if (a) b(); else c()',
    'const o = { async *m() { yield* other() } }',
    // Empty bodies: the prologue and the epilogue go at one offset, prologue first.
    'setInterval(() => {}, 1000); function e() {} class C { m() {} } const a = async () => {}; function* g2() {}',
    'const sp = () => { }; function e2() { /* nothing */ }',
    // Directives with no semicolon: the prologues that follow them must start a new statement.
    "'use strict'\nfunction d1() { 'use strict'\n return 1 }",
    // A bare return right before the closing brace, in a function and an arrow.
    'function b1(x){x.n++;return} const b2 = (x)=>{if(x)return;x=1;return}',
  ];
  for (const src of cases) {
    const out = instrument(src, { url: 'x', format: 'script', lines: [{ line: 1, column: 0, key: '-1:1' }] });
    assert.doesNotThrow(() => parse(out.code, 'script', 'rewritten.js'), src);
    for (const countOnly of ['entry', 'return'] as const) {
      assert.doesNotThrow(() => parse(instrument(src, { url: 'x', format: 'script', countOnly }).code, 'script', 'rewritten.js'), `${countOnly}: ${src}`);
    }
  }
});

test('a body that declares a name both as a function and otherwise gets no site, and its module compiles and runs as before', () => {
  const src = [
    'function f() { var g = 1; function g() {} return typeof g }',
    'function h(a) { function a() {} return typeof a }',
    'function k() { "use strict"; function m() { return 1 } function m() { return 2 } return m() }',
    'function n({ p }, ...[q]) { function q() {} return typeof q }',
    'const r = () => { for (var s of [1]) {} if (s) { var t } function s() {} return typeof s + typeof t }',
    'function la(n) { var g = n; l: function g() {} return g + 1 }',
    'function ab() { function g() { return 1 } { function g() { return 2 } } return g() }',
    'function ev() { function g() { return 1 } (eval)("var g = 2"); return g }',
    // No direct eval: a string, a method of that name, an indirect one.
    'function se() { function g() { return "eval(" } const o = { eval: (x) => x }; return g() + o.eval(1) + (0, eval)("2") }',
    'function ok() { function inner() { var ok2; return ok2 } var x = 1; return inner() === undefined && x }',
    'module.exports = [f(), h(5), k(), n({ p: 1 }, 2), r(), la(1), ab(), ev(), se(), ok()]',
  ].join('\n');
  const out = instrument(src, { url: 'x', format: 'script' });
  // In a try block, f's var and function g, la's labelled one, and k's two functions m (in strict
  // code) are SyntaxErrors; ab's inner g would no longer replace the outer one (Annex B), and ev's
  // eval would throw declaring g.
  assert.deepEqual(out.table.unsited,
    [['f', 1, 'g'], ['h', 2, 'a'], ['k', 3, 'm'], ['n', 4, 'q'], ['r', 5, 's'], ['la', 6, 'g'], ['ab', 7, 'g'], ['ev', 8, 'eval()']]);
  assert.deepEqual(functionSlots(out.table.fns, undefined).map((fn) => fn.name),
    ['f.g', 'h.a', 'k.m', 'k.m', 'n.q', 'r.s', 'la.g', 'ab.g', 'ab.g', 'ev.g', 'se', 'se.g', 'se.o.eval', 'ok', 'ok.inner']);
  const run = (code: string): string => {
    const module = { exports: {} };
    runInNewContext(`(function (module) {${code}\n})`, {})(module);
    return JSON.stringify(module.exports);
  };
  assert.equal(run(out.code), run(src));
  assert.equal(run(src), '["number","function",2,"function","numberundefined",2,2,2,"eval(12",1]');
  // Counted alone, a sync function's body is not wrapped: every function keeps its counter.
  const counting = instrument(src, { url: 'x', format: 'script', countOnly: 'entry' });
  assert.equal(counting.table.unsited, undefined);
  assert.equal(counting.table.fns.length, 23);
  assert.equal(run(counting.code), run(src));
});

test('counted as calls end, each call is counted once however it ends, and runs as it did', () => {
  const src = [
    'function ret(x) { return x + 1 }',
    'function bare(x) { if (x) return; x = 1 }',
    'function off(x) { x++ }',
    'function thr() { throw new Error("t") }',
    'function thrRet(o) { return o.missing.deep }',
    'function fin() { try { return 1 } finally { fin.ran = true } }',
    'function finThrow() { try { return 1 } finally { throw new Error("f") } }',
    'const arrow = (x) => x * 2',
    'const named = () => function () {}',
    // A bare return that a line break ends: the next line is a statement of its own, never run.
    'function asi(x) { if (x) return',
    '  -1 }',
    'function asiCall() { return',
    '  (function () { throw new Error("never runs") })() }',
    // Leaving a for…of by a return closes its iterator after the return's value is made: a throw there ends the call.
    'function forOfClose() { for (const x of closeThrows) return x }',
    'const closeThrows = { [Symbol.iterator]: () => ({ next: () => ({ value: 5, done: false }), return() { throw new Error("close") } }) }',
    'module.exports = { ret, bare, off, thr, thrRet, fin, finThrow, arrow, named, asi, asiCall, forOfClose }',
  ].join('\n');
  const out = instrument(src, { url: 'x', format: 'script', countOnly: 'return' });
  assert.doesNotThrow(() => parse(out.code, 'script', 'rewritten.js'));
  // counts: the module's counters, handed over by a stand-in for the runtime; null: no runtime, nothing armed.
  const run = (code: string, counts: Float64Array | null): string => {
    const module = { exports: {} as Record<string, (x?: unknown) => unknown> };
    const runtime = counts === null ? '' : "globalThis[Symbol.for('jsprobe.load')] = { module: () => [], counts: () => K }; globalThis.$jpOn = true;";
    runInNewContext(`${runtime}(function (module) {${code}\n})(module)`, { K: counts, module });
    const fns = module.exports;
    return JSON.stringify(['ret', 'bare', 'off', 'thr', 'thrRet', 'fin', 'finThrow', 'arrow', 'named', 'asi', 'asiCall', 'forOfClose'].map((name) => {
      try {
        const v = fns[name](name === 'thrRet' ? {} : 1);
        return typeof v === 'function' ? `function named '${v.name}'` : v;
      } catch (e) {
        return `threw ${(e as Error).message}`;
      }
    }));
  };
  const counts = new Float64Array(out.table.fns.length);
  assert.equal(run(out.code, counts), run(src, null));
  // One each, by a return, a fall off the end, a throw in the body or in a return's expression, a
  // return its own finally let through or turned into a throw, a return its loop's iterator turned
  // into a throw (and the iterator's three functions, the last of which threw); the anonymous
  // function and the one after asiCall's return were not called.
  assert.deepEqual([...counts], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
  // And whole sites, disarmed, return what the original did.
  assert.equal(run(instrument(src, { url: 'x', format: 'script' }).code, null), run(src, null));
});

test("a derived constructor's return goes through the runtime's rd, or its r where an older copy of jsprobe's runtime has no rd", () => {
  const src = [
    'class Base {}',
    'class D extends Base { constructor(x) { super(); if (x === 1) return 5; if (x === 2) return { own: true } } }',
    'module.exports = (x) => { try { const o = new D(x); return o.own === true ? "own" : "this" } catch (e) { return e.constructor.name } }',
  ].join('\n');
  const out = instrument(src, { url: 'x', format: 'script' });
  const run = (withRd: boolean): { results: string[]; log: string[] } => {
    const log: string[] = [];
    const runtime = {
      module: () => [{}],
      // A frame has its probe's exit (the exported arrow's returns call it), where the runtime says so.
      fx: true,
      e: () => ({ exit: (v: unknown) => v }),
      r: (_f: unknown, v: unknown) => (log.push(`r ${typeof v}`), v),
      t: () => void log.push('t'),
      ...(withRd ? { rd: (_f: unknown, v: unknown) => (log.push(`rd ${typeof v}`), v) } : {}),
    };
    const module = { exports: (() => '') as (x: number) => string };
    runInNewContext(`globalThis[Symbol.for('jsprobe.load')] = R; globalThis.$jpOn = true; globalThis.$jpC = false;
      (function (module) {${out.code}\n})(module)`, { R: runtime, module });
    const results = [0, 1, 2].map((x) => module.exports(x));
    // The exported arrow's own returns (its strings) aside.
    return { results, log: log.filter((l) => !l.endsWith('string')) };
  };
  // The program's results are the same either way: V8 refuses the 5 as it would unprobed.
  const plain = { exports: (() => '') as (x: number) => string };
  runInNewContext(`(function (module) {${src}\n})(module)`, { module: plain });
  const expected = [0, 1, 2].map((x) => plain.exports(x));
  assert.deepEqual(expected, ['this', 'TypeError', 'own']);
  assert.deepEqual(run(true), { results: expected, log: ['rd undefined', 'rd number', 'rd object'] });
  assert.deepEqual(run(false), { results: expected, log: ['r undefined', 'r number', 'r object'] });
});

test("a sync function reports through its frame's own exit, which only a runtime with such frames arms; an older one leaves the module unprobed", () => {
  const src = [
    'function sync(x) { return x + 1 }',
    'function fallsOff(o) { o.n = 1 }',
    'async function later(x) { return x }',
    'module.exports = { sync, fallsOff, later }',
  ].join('\n');
  const out = instrument(src, { url: 'x', format: 'script' });
  // The sync functions call the frame's exit; the async one the runtime's ra, as before.
  assert.match(out.code, /function sync\(x\) \{[^\n]*\$jpF\.exit\(\$jpV\)/);
  assert.match(out.code, /function fallsOff\(o\) \{[^\n]*if\(\$jpF!==null\)\$jpF\.exit\(void 0\)/);
  assert.match(out.code, /async function later\(x\) \{[^\n]*\$jpD\.ra\(\$jpF,x\)/);
  const run = (fx: boolean): { results: unknown[]; log: string[] } => {
    const log: string[] = [];
    // Frames of an older runtime have no exit; this one's have, and say which probe's.
    const frame = fx ? { exit: (v: unknown) => (log.push(`exit ${String(v)}`), v) } : {};
    const runtime = {
      ...(fx ? { fx: true } : {}),
      module: () => (log.push('module'), [{}, {}, {}]),
      e: () => frame,
      ea: () => frame,
      r: (_f: unknown, v: unknown) => (log.push(`r ${String(v)}`), v),
      ra: (_f: unknown, v: unknown) => (log.push(`ra ${String(v)}`), v),
      t: () => void log.push('t'),
    };
    const module = { exports: {} as Record<string, (x: unknown) => unknown> };
    runInNewContext(`globalThis[Symbol.for('jsprobe.load')] = R; globalThis.$jpOn = true; globalThis.$jpC = false;
      (function (module) {${out.code}\n})(module)`, { R: runtime, module });
    const o = {};
    const results = [module.exports.sync(1), module.exports.fallsOff(o), o];
    void module.exports.later(2);
    return { results, log };
  };
  assert.deepEqual(run(true), { results: [2, undefined, { n: 1 }], log: ['module', 'exit 2', 'exit undefined', 'ra 2'] });
  // Under an older runtime the module registers nothing and runs as written: no frame, no call of a missing exit.
  assert.deepEqual(run(false), { results: [2, undefined, { n: 1 }], log: [] });
});

test('a module that declares its own Symbol runs rewritten: the prologue reads the global one', () => {
  for (const decl of ['var Symbol = undefined;', 'const Symbol = 1;', 'let Symbol;']) {
    const src = `${decl}\nfunction f() { return typeof Symbol }\nmodule.exports = f();`;
    const run = (code: string): unknown => {
      const module = { exports: null as unknown };
      runInNewContext(`(function (module) {${code}\n})`, {})(module);
      return module.exports;
    };
    for (const countOnly of [undefined, 'entry', 'return'] as const) {
      assert.equal(run(instrument(src, { url: 'x', format: 'script', countOnly }).code), run(src), `${countOnly}: ${decl}`);
    }
  }
});

// `using` runs where V8 has it (Node 24 on); oxc parses it on every version, so the shape is checked everywhere.
const hasUsing = ((): boolean => {
  try {
    new Function('{ using r = null }');
    return true;
  } catch {
    return false;
  }
})();

test('a function with a using declaration reports its calls through the finally form, so a throwing disposal after a return counts once', () => {
  const src = [
    'function disposes(x) { using r = { [Symbol.dispose]() { if (x) throw new Error("dispose") } }; return 1 }',
    'module.exports = { disposes }',
  ].join('\n');
  for (const countOnly of [undefined, 'return'] as const) {
    assert.match(instrument(src, { url: 'x', format: 'script', countOnly }).code, /\}finally\{/, String(countOnly));
  }
  if (!hasUsing) return;
  const out = instrument(src, { url: 'x', format: 'script', countOnly: 'return' });
  const counts = new Float64Array(out.table.fns.length);
  const module = { exports: {} as { disposes(x: boolean): number } };
  const runtime = "globalThis[Symbol.for('jsprobe.load')] = { module: () => [], counts: () => K }; globalThis.$jpOn = true;";
  runInNewContext(`${runtime}(function (module) {${out.code}\n})(module)`, { K: counts, module });
  assert.equal(module.exports.disposes(false), 1);
  assert.throws(() => module.exports.disposes(true), /dispose/);
  // Two calls of disposes, two of the disposer (the second threw).
  assert.deepEqual([...counts], [2, 2]);
});

test('a line site on a labelled loop goes before its label, and the loop\'s continue still names it', () => {
  const src = [
    'function f() {',
    '  let n = 0;',
    '  outer:',
    '  inner: for (let i = 0; i < 3; i++) {',
    '    for (;;) { n++; if (n > 1) continue outer; continue inner; }',
    '  }',
    '  return n;',
    '}',
    'module.exports = f();',
  ].join('\n');
  const run = (code: string): unknown => {
    const module = { exports: 0 };
    runInNewContext(`(function (module) {${code}\n})`, {})(module);
    return module.exports;
  };
  for (const line of [3, 4, 5]) {
    const out = instrument(src, { url: 'x', format: 'script', lines: [{ line, column: 0, key: `-1:${line}` }] });
    assert.equal(out.lineSites.length, 1);
    // Lines 3 and 4 get one site, before `outer:`; line 5's is inside the loop.
    assert.equal(out.lineSites[0].line, line === 5 ? 5 : 3);
    assert.equal(run(out.code), run(src), `line ${line}`);
  }
});

test('lines are counted as V8 counts them: \\n, \\r\\n, \\r, U+2028 and U+2029 each end one', () => {
  assert.deepEqual(lineStarts('a\r\nb\rc\u2028d\ne\u2029'), [0, 3, 5, 7, 9, 11]);
  assert.deepEqual(lineStarts('a\nb'), [0, 2]);
});

test('a parse error names the file, line and column', () => {
  assert.throws(() => instrument('function (', { url: 'file:///bad.js', format: 'script' }), (e) => e instanceof ParseError && /bad\.js:1:\d+/.test(e.message));
});

test('skipping expressions with nothing to collect changes no site, on real third-party code', () => {
  // The walk skips an expression whose text holds none of the marks of a function, class,
  // object literal, assignment or `arguments`. Every site it finds must be the full walk's.
  const files = [
    'acorn/dist/acorn.js', 'acorn/dist/acorn.mjs', 'ws/lib/websocket.js', 'ws/lib/receiver.js', 'shimmer/index.js', 'fast-check/lib/cjs/fast-check.js',
  ].map((f) => new URL(`../../../node_modules/${f}`, import.meta.url));
  const cases = [
    // An alias made by an assignment inside a sequence and a call: no function text around it.
    'function isRel() {} (check.isRel = isRel, f(exports.x = isRel))',
    // `arguments` written with an escape, inside an expression with no other mark.
    'function f() { return g(argu\\u006dents[0]) + 1 }',
    // An object method and a getter as call arguments.
    'register(a, { m() { return 1 }, get g() { return 2 } })',
    // A direct eval in a call with no other mark: what makes the body's top-level g a conflict.
    'function f(s) { function g() {} h(eval(s)) }',
  ];
  let sites = 0;
  const check = (src: string, format: 'module' | 'script', what: string): void => {
    const program = parse(src, format, what);
    const full = findFunctions(program, src, false);
    assert.deepEqual(findFunctions(program, src), full, what);
    sites += full.length;
  };
  for (const file of files) check(readFileSync(file, 'utf8'), file.pathname.endsWith('.mjs') ? 'module' : 'script', file.pathname);
  cases.forEach((src, i) => check(src, 'script', `case ${i}`));
  assert.ok(sites > 1000, `only ${sites} sites compared`);
});

test('no line site goes before a directive, around a function\'s body or on a function declaration: the function stays strict', () => {
  const src = [
    "'use strict';",
    'function f(a,',
    '  b)',
    '{',
    "  'use strict';",
    '  undeclared = a + b;',
    '}',
    'let threw = false;',
    'try { f(1, 2); } catch { threw = true; }',
    'module.exports = threw;',
  ].join('\n');
  const run = (code: string): unknown => {
    const module = { exports: 0 };
    runInNewContext(`(function (module) {${code}\n})`, {})(module);
    return module.exports;
  };
  assert.equal(run(src), true);
  for (const line of [1, 2, 3, 4, 5]) {
    const out = instrument(src, { url: 'x', format: 'script', lines: [{ line, column: 0, key: `-1:${line}` }] });
    assert.deepEqual(out.lineSites, [], `line ${line}`);
    assert.equal(run(out.code), true, `line ${line}: f is still strict`);
  }
  const out = instrument(src, { url: 'x', format: 'script', lines: [{ line: 6, column: 0, key: '-1:6' }] });
  assert.equal(out.lineSites.length, 1);
  assert.equal(run(out.code), true);
});
