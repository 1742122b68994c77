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

// Pieces that programs are made of, to build valid-looking programs and then mangle them.
const PROBES = ['fn:a.js:f', 'fnret:src/db.ts:Db.query', 'line:a.js:3', 'BEGIN', 'END', 'interval:s:1', 'fn:node:fs#readFile'];
const EXPRS = ['arg0', 'args[1]', 'retval', 'elapsed / 1000', '"s"', '1e6', 'this.x', 'arg0.length > 3', '$v', '@m[arg0]', 'str(arg0)', 'Math.max(1, 2)', 'arg0 ? 1 : 2', '(1 + 2) * 3'];
const STMTS = ['@m[arg0] = count()', '@h = hist(elapsed)', '$v = arg0', 'printf("%s\\n", arg0)', 'print(@m)', 'clear(@m)', 'exit()', 'if (arg0) { @c = count() } else { exit() }', '@s = sum(arg1)', 'delete(@m[1])'];

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
