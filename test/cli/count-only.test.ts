// Modules rewritten for counting alone, end to end (docs/hot-path.md): a `-c` program whose only
// probe is a count, at entry or at returns, seals registration, and the files it wants load with a
// counter in each sync function and nothing else. The program runs as it would, and every call is counted,
// in the main thread, a worker thread and a child process alike; a program with a probe of any
// other kind gets the whole sites and the same counts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const LIB = 'test/fixtures/cli/count-kinds.cjs';
const MAIN = 'test/fixtures/cli/count-kinds-main.cjs';
// What the calls return, with or without jsprobe: t = Σ(i + 1 + i² + 1) over 0..99; anon's function
// has no name; B's getter; m's return and its finally's x++; the generator's two values; the throw; later's value.
const RESULT = '[333500,"",2,1,2,2,"thrown",1]';

/** Every `@[name]: n` line, by name. */
function counts(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stdout.matchAll(/^@\[([\w.]+)\]: (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** The calls each thread or process makes (count-kinds-main.cjs), times `n`. */
function expected(n: number): Record<string, number> {
  const once = {
    add: 100, sq: 100, obj: 100, anon: 1, 'A.constructor': 1, 'B.constructor': 1, 'A.prototype.y.get': 1, 'A.prototype.m': 1,
    gen: 1, later: 1, thrower: 1, code: 1,
  };
  return Object.fromEntries(Object.entries(once).map(([k, v]) => [k, v * n]));
}

const line = (who: string): RegExp => new RegExp(`^${who}: ${RESULT.replace(/[[\]]/g, '\\$&')}$`, 'gm');

// Where each kind of count puts add's counter: at the start of its body, or at its return and in a catch around it.
const COUNTED = {
  fn: /: function add\(a, b\) \{\$jpOn&&\$jpK\[0\]\+\+; return a \+ b; \}$/,
  fnret: new RegExp(String.raw`: function add\(a, b\) \{var \$jpV;try\{ return \(\$jpV=\(a \+ b\),\$jpOn&&\$jpK\[0\]\+\+,\$jpV\); \}` +
    String.raw`catch\(\$jpX\)\{\$jpOn&&\$jpK\[0\]\+\+;throw\(\$jpX\)\}\}$`),
};

for (const [kind, where] of [['fn', 'main'], ['fn', 'worker'], ['fn', 'child'], ['fnret', 'main'], ['fnret', 'worker'], ['fnret', 'child']] as const) {
  test(`a program of one count (${kind}) loads its file for counting alone, and counts every call (${where})`, () => {
    const r = jsprobe(['-q', '-e', `${kind}:${LIB}:* { @[func] = count() }`, '-c', `node ${MAIN} ${where}`]);
    assert.equal(r.code, 0, r.stderr);
    // Each thread and process ran as it would have.
    assert.equal(r.stdout.match(line('main'))?.length, where === 'child' ? 2 : 1, r.stdout);
    assert.equal(r.stdout.match(line('worker'))?.length, where === 'worker' ? 1 : undefined, r.stdout);
    // Loaded for counting alone in each thread and process.
    const code = r.stdout.match(/^code \(\w+\): .*$/gm) ?? [];
    assert.equal(code.length, where === 'main' ? 1 : 2, r.stdout);
    for (const c of code) assert.match(c, COUNTED[kind]);
    assert.deepEqual(counts(r.stdout), expected(where === 'main' ? 1 : 2));
  });
}

test('beside a probe of another kind, the file gets its whole sites, and the counts are the same', () => {
  const r = jsprobe(['-q', '-e', `fn:${LIB}:* { @[func] = count() } fnret:${LIB}:sq { @s = sum(1) }`, '-c', `node ${MAIN}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^code \(main\): function add\(a, b\) \{var \$jpF=/m);
  assert.deepEqual(counts(r.stdout), expected(1));
  assert.match(r.stdout, /^@s: 100$/m);
});

test('a count at entry and one at returns on one file give it whole sites; each alone on a file loads it for its kind', () => {
  const OTHER = 'test/fixtures/cli/count-other.cjs';
  const mixed = jsprobe(['-q', '-e', `fn:${LIB}:* { @[func] = count() } fnret:${LIB}:sq { @s = count() }`, '-c', `node ${MAIN}`]);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.match(mixed.stdout, /^code \(main\): function add\(a, b\) \{var \$jpF=/m);
  assert.deepEqual(counts(mixed.stdout), expected(1));
  assert.match(mixed.stdout, /^@s: 100$/m);
  const apart = jsprobe(['-q', '-e', `fn:${LIB}:* { @[func] = count() } fnret:${OTHER}:other { @o = count() }`, '-c', `node ${MAIN} other`]);
  assert.equal(apart.code, 0, apart.stderr);
  assert.match(apart.stdout.match(/^code \(main\): .*$/m)?.[0] ?? '', COUNTED.fn);
  assert.match(apart.stdout, /^other code: function other\(n\) \{var \$jpV;try\{$/m);
  assert.deepEqual(counts(apart.stdout), expected(1));
  assert.match(apart.stdout, /^@o: 7$/m);
});

test('two counts on one file give it whole sites; a file one count wants alone is still loaded for it, and counted exactly', () => {
  // add has two probes: its site is no entry-only count, and counting mode goes off in the thread.
  // count-other.cjs, wanted by its own probe alone, counts in place all the same: every read credits it.
  const OTHER = 'test/fixtures/cli/count-other.cjs';
  const program = `fn:${LIB}:* { @[func] = count() } fn:${LIB}:add { @a = count() } fn:${OTHER}:other { @o = count() }`;
  const r = jsprobe(['-q', '-e', program, '-c', `node ${MAIN} other`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^code \(main\): function add\(a, b\) \{var \$jpF=/m);
  assert.match(r.stdout, /^other code: function other\(n\) \{\$jpOn&&\$jpK\[0\]\+\+;$/m);
  assert.deepEqual(counts(r.stdout), expected(1));
  assert.match(r.stdout, /^@a: 100$/m);
  assert.match(r.stdout, /^@o: 7$/m);
});
