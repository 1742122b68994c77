// The compiler: malformed programs get a positioned error (line, column, the source line and a
// caret), and no program, however mangled, makes it fail with anything else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, isProgramError } from '../../src/lang/compile.js';
import { MALFORMED } from './malformed.js';


test(`${MALFORMED.length} malformed programs: each gets its positioned error`, () => {
  assert.ok(MALFORMED.length >= 20);
  for (const [program, message, where] of MALFORMED) {
    try {
      compile(program);
      assert.fail(`compiled: ${program}`);
    } catch (e) {
      assert.ok(isProgramError(e), `${program}: ${String(e)}`);
      assert.equal(e.diagnostics.length, 1, `${program}: ${e.report}`);
      assert.match(e.message, message, program);
      assert.equal(`${e.line}:${e.column}`, where, `${program}: ${e.report}`);
      // The report shows the line and a caret under the column.
      const [head, text, caret] = e.report.split('\n');
      assert.equal(head, e.message);
      assert.equal(text, program.split('\n')[e.line - 1]);
      assert.equal(caret, `${' '.repeat(e.column - 1)}^`);
    }
  }
});

test('--unsafe allows what safe mode refuses', () => {
  assert.doesNotThrow(() => compile('fn:a.js:f { arg0.x = 1; @n = process.pid }', { unsafe: true }));
});

/** The diagnostics of a program that must not compile, as `line:col message`. */
function faults(program: string, unsafe = false): { where: string; message: string; report: string }[] {
  try {
    compile(program, { unsafe });
  } catch (e) {
    assert.ok(isProgramError(e), String(e));
    return e.diagnostics.map((d) => ({ where: `${d.line}:${d.column}`, message: d.message, report: d.report }));
  }
  return assert.fail(`compiled: ${program}`);
}

test('every semantic fault of a program is reported at once, in source order, each with its position', () => {
  // Three faults found by three passes (calls, scope, maps), written out of the passes' order.
  const program = [
    'fn:a.js:f { printf("%d %d\\n", arg0) }',
    'fn:a.js:g { @x = count(); @y = ellapsed }',
    'fnret:a.js:h { @x = sum(retval) }',
  ].join('\n');
  const found = faults(program);
  assert.deepEqual(found.map((f) => f.where), ['1:13', '2:32', '3:21']);
  assert.match(found[0].message, /the format has 2 conversion\(s\) but printf got 1/);
  assert.match(found[1].message, /unknown name 'ellapsed'; did you mean elapsed/);
  assert.match(found[2].message, /@x is a count\(\) elsewhere/);
  assert.equal(found[1].report, `2:32: ${found[1].message}\nfn:a.js:g { @x = count(); @y = ellapsed }\n${' '.repeat(31)}^`);
  try {
    compile(program);
  } catch (e) {
    assert.ok(isProgramError(e));
    // The error itself is the first fault; its report holds all three.
    assert.equal(`${e.line}:${e.column}`, '1:13');
    assert.equal(e.report, found.map((f) => f.report).join('\n'));
  }
});

test('a fault is reported once, and a name refused by scope is not refused again by later passes', () => {
  assert.deepEqual(faults('fn:a.js:f { @x = nope(1) + nope2.length }').map((f) => f.where), ['1:18', '1:28']);
  assert.deepEqual(faults('fn:a.js:f /foo/ { printf("%s", foo) }').map((f) => f.where), ['1:12', '1:32']);
});

// Callees of each shape in safe mode: refused at compile time, positioned, naming --unsafe. Each
// compiles with --unsafe. [probe, call, column of the fault in `{ @r = CALL }`-style programs]
const REFUSED: [string, string, RegExp][] = [
  ['line:a.js:3', 'withdraw(50)', /^withdraw is a local variable of the traced program/],
  ['line:a.js:3', 'execSync("touch x")', /^execSync is a local variable/],
  ['line:a.js:3', 'account.withdraw(50)', /^calling \.withdraw\(\) could run/],
  ['line:a.js:3', 'account.ledger.add(1)', /^calling \.add\(\) could run/],
  ['line:a.js:3', 'withdraw.call(null, 50)', /^calling \.call\(\) could run/],
  ['line:a.js:3', 'account["withdraw"](50)', /^a computed method/],
  ['line:a.js:3', 'this.withdraw(50)', /^calling \.withdraw\(\) could run/],
  ['line:a.js:3', 'this(1)', /^this is the traced program's object/],
  ['fn:a.js:f', 'arg0(1)', /^arg0 is a value of the traced program/],
  ['fn:a.js:f', 'args[0](1)', /^a computed method/],
  ['fnret:a.js:f', 'retval()', /^retval is a value of the traced program/],
  ['fnret:a.js:f', 'error.toJSON()', /^calling \.toJSON\(\) could run/],
  ['fn:a.js:f', 'str(arg0)()', /^calling what a call returned/],
  ['fn:a.js:f', 'arg0.slice(1)()', /^calling what a call returned/],
  ['fn:a.js:f', '(arg0 ? arg1 : arg2)()', /^this callee is a value of the traced program/],
  ['fn:a.js:f', 'Math()', /^Math is a global/],
  ['fn:a.js:f', 'Math.constructor("return 1")', /^Math\.constructor is not a Math function/],
];

test(`safe mode: ${REFUSED.length} callee shapes that could run the program's code are refused, positioned, naming --unsafe`, () => {
  for (const [probe, call, message] of REFUSED) {
    const program = `${probe} { printf("%s\\n", ${call}) }`;
    const found = faults(program);
    assert.equal(found.length, 1, `${program}: ${found.map((f) => f.report).join('\n')}`);
    assert.match(found[0].message, message, program);
    assert.match(found[0].message, /--unsafe/, program);
    const column = Number(found[0].where.split(':')[1]);
    assert.ok(column > program.indexOf(call) && column <= program.indexOf(call) + call.length, `${program}: ${found[0].where}`);
    assert.doesNotThrow(() => compile(program, { unsafe: true }), program);
  }
});

test('with $ variables and maps, a held value cannot be called either', () => {
  const found = faults('line:a.js:3 { $f = withdraw; $f(1); @g = withdraw; @g(2) }');
  assert.deepEqual(found.map((f) => f.where), ['1:30', '1:52']);
  for (const f of found) assert.match(f.message, /holds a value.*--unsafe/);
});

test('safe mode calls the language\'s functions, Math\'s and pure methods', () => {
  const program = [
    'line:a.js:3 { @n[name.toUpperCase()] = count(); printf("%s %d\\n", str(user).slice(0, 10), Math.max(id, 1)) }',
    'fn:a.js:f { @h = hist(arg0.length); @s = sum(arg1.toFixed(2).length); print(arg0.indexOf("x")) }',
  ].join('\n');
  assert.doesNotThrow(() => compile(program));
});

test('a builtin value or a literal is not a function, with or without --unsafe', () => {
  for (const unsafe of [false, true]) {
    for (const call of ['pid()', 'elapsed(1)', 'tid()', 'undefined()']) {
      const found = faults(`fnret:a.js:f { printf("%s", ${call}) }`, unsafe);
      assert.equal(found.length, 1, call);
      assert.equal(found[0].where, '1:29', call);
      assert.match(found[0].message, /is a value, not a function/, call);
    }
  }
});

test('--unsafe generates calls of every callee shape', () => {
  const { probes } = compile('line:a.js:3 { printf("%s %s %s\\n", withdraw(50), account.record("x"), account["f"]()) }', { unsafe: true });
  assert.match(probes[0].source, /\(\$c\.locals\["withdraw"\]\)\(50\)/);
  // A receiver is cut to the string bound as it is read (a function is left as it is).
  assert.match(probes[0].source, /\(\$rt\.s\(\$c\.locals\["account"\]\)\)\.record\("x"\)/);
});

test('++, --, += and the other compound assignments update maps and $ variables, as statements', () => {
  const handler = (program: string) => compile(program).probes[0].source;
  // A keyed update computes its key once.
  assert.equal(handler('fn:a.js:f { @m[arg0] += 2 }').match(/\$rt\.key\(/g)?.length, 1);
  // `+` is cut to the string bound (--max-strlen) once computed.
  assert.match(handler('fn:a.js:f { @n++ }'), /\$m0\.set\('', \$rt\.s\(\$rt\.p\(\(\$m0\.get\(''\) \?\? 0\)\) \+ 1\)\)/);
  assert.match(handler('fn:a.js:f { $v = 1; $v <<= 3 }'), /\$v_v = \(\$rt\.p\(\$v_v\) << 3\)/);
  const refused: [string, RegExp, string][] = [
    ['fn:a.js:f { printf("%d\\n", @n++) }', /'\+\+' changes a map or a variable and is a statement of its own/, '1:30'],
    ['fn:a.js:f { ++arg0 }', /'\+\+' changes a map or a variable/, '1:15'],
    ['fn:a.js:f { arg0.n += 1 }', /'\+=' changes a map or a variable/, '1:20'],
    ['fn:a.js:f { $v++ }', /\$v is read before it is assigned/, '1:13'],
    ['fn:a.js:f { @c = count(); @c++ }', /@c is a count\(\) elsewhere/, '1:27'],
    ['fn:a.js:f { @t += count() }', /count\(\) goes on the right of a map assignment/, '1:19'],
  ];
  for (const [program, message, where] of refused) {
    const found = faults(program);
    assert.equal(found.length, 1, `${program}: ${found.map((f) => f.report).join('\n')}`);
    assert.match(found[0].message, message, program);
    assert.equal(found[0].where, where, program);
  }
});

// Pieces that programs are made of, to build valid-looking programs and then mangle them.
const PROBES = ['fn:a.js:f', 'fnret:src/db.ts:Db.query', 'line:a.js:3', 'BEGIN', 'END', 'interval:s:1', 'fn:node:fs#readFile'];
const EXPRS = [
  'arg0', 'args[1]', 'retval', 'elapsed / 1000', '"s"', '1e6', 'this.x', 'arg0.length > 3', '$v', '@m[arg0]', 'str(arg0)', 'Math.max(1, 2)', 'arg0 ? 1 : 2',
  '(1 + 2) * 3', 'withdraw(1)', 'arg0.send()',
];
const STMTS = [
  '@m[arg0] = count()', '@h = hist(elapsed)', '$v = arg0', '@i++', '--@j[arg0]', '@k[arg0, 1] += 2', '$v *= 2', 'printf("%s\\n", arg0)', 'print(@m)',
  'clear(@m)', 'exit()', 'if (arg0) { @c = count() } else { exit() }', '@s = sum(arg1)', 'delete(@m[1])',
];

const program = fc
  .array(
    fc.record({
      probe: fc.constantFrom(...PROBES),
      pred: fc.option(fc.constantFrom(...EXPRS), { nil: undefined }),
      stmts: fc.array(fc.oneof(fc.constantFrom(...STMTS), fc.constantFrom(...EXPRS).map((e) => `@z = ${e}`)), { maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((blocks) => blocks.map((b) => `${b.probe}${b.pred !== undefined ? ` /${b.pred}/` : ''} { ${b.stmts.join('; ')} }`).join('\n'));

const mutation = fc.record({ at: fc.nat(), cut: fc.nat({ max: 4 }), insert: fc.string({ maxLength: 4 }) });

test('random and mangled programs compile or get a positioned error, never anything else', () => {
  fc.assert(
    fc.property(program, fc.array(mutation, { maxLength: 3 }), fc.boolean(), (src, muts, unsafe) => {
      let text = src;
      for (const m of muts) {
        const at = m.at % (text.length + 1);
        text = text.slice(0, at) + m.insert + text.slice(at + m.cut);
      }
      try {
        compile(text, { unsafe });
      } catch (e) {
        if (!isProgramError(e)) throw new Error(`internal error for ${JSON.stringify(text)}: ${(e as Error).stack}`);
        assert.ok(e.line >= 1 && e.column >= 1);
        assert.ok(e.report.endsWith('^'));
      }
    }),
    { numRuns: 2000 },
  );
});
