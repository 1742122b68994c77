// line: probes end to end: the lines they can fire at (a loop's line once per start of the loop;
// lines where none can fire refused, naming the nearest that can, and listed by -l), and the
// names they read, each a variable in scope at the line or refused before the program runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsprobe, ROOT } from './run.js';

const FILE = 'test/fixtures/cli/line-kinds.cjs';
const LINES = readFileSync(join(ROOT, FILE), 'utf8').split('\n');
/** The 1-based line of the fixture that holds `text` (the first, or the first from line `from`). */
const at = (text: string, from = 1): number => {
  const i = LINES.findIndex((l, n) => n >= from - 1 && l.includes(text));
  assert.ok(i >= 0, text);
  return i + 1;
};
const run = (program: string) => jsprobe(['-q', '-e', program, '-c', `node ${FILE}`]);
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a loop\'s line fires once each time the loop starts, for every kind of loop; its body\'s line at each iteration', () => {
  const probes = [
    ['for', 'for (let i = 0'], ['forBody', 'total += xs[i]'], ['while', 'while (k < n)'], ['whileBody', 'k++'],
    ['do', 'do {'], ['doBody', 'k--'], ['forOf', 'for (const x of'], ['forOfBody', 'k += x'],
  ];
  const r = run(probes.map(([name, text]) => `line:${FILE}:${at(text)} { @${name} = count() }`).join('\n'));
  assert.equal(r.code, 0, r.stderr);
  // sum() twice over 3 and 2 items; loops(3) and loops(2): 3 + 2 steps up, 3 + 2 down, 2 + 2 items.
  assert.equal(r.stdout, '@for: 2\n\n@forBody: 5\n\n@while: 2\n\n@whileBody: 5\n\n@do: 2\n\n@doBody: 5\n\n@forOf: 2\n\n@forOfBody: 4\n\n');
});

test('a line probe reads the variables in scope there, a closure\'s outer ones included', () => {
  const r = run(`line:${FILE}:${at('return k + n')} { printf("%d %d\\n", k, n) } line:${FILE}:${at('total += xs[i]')} { @[i] = sum(xs[i]) }`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '6 3\n4 2\n@[2]: 3\n@[0]: 5\n@[1]: 7\n\n');
});

test('a name that is no variable in scope at the line is refused before the program runs, at its position, with the names there', () => {
  const line = at('total += xs[i]');
  const r = run(`line:${FILE}:${line} { @t[totl] = count(); printf("%d %d\\n", arguments, LIMIT) }`);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const there = '\\(the variables there: i, total, xs\\)';
  assert.match(r.stderr, new RegExp(`^1:${`line:${FILE}:${line} { @t[`.length + 1}: 'totl' is no variable in scope at ${esc(FILE)}:${line}; ` +
    `did you mean total\\? ${there}\n`));
  assert.match(r.stderr, new RegExp(`\n1:\\d+: 'arguments' is no variable in scope at ${esc(FILE)}:${line} \\(a line probe reads the variables ` +
    `declared there, not arguments: name the parameters\\) ${there}\n`));
  assert.match(r.stderr, new RegExp(`\n1:\\d+: 'LIMIT' is no variable in scope at ${esc(FILE)}:${line} \\(LIMIT is declared at the module's top ` +
    `level, which a line probe inside a function does not read\\) ${there}\n`));
  assert.doesNotMatch(r.stderr, /Attaching|undefined/);
});

test('a line where no probe can fire is refused, naming the nearest lines where one can', () => {
  const fn = at('function sum');
  const cases: [line: number, why: string, near: string][] = [
    [1, "'use strict' is a directive, which runs no code", `${at('const LIMIT')}`],
    [2, 'no statement starts there', `${at('const LIMIT')}`],
    [at('const LIMIT') - 1, 'no statement starts there', `${at('const LIMIT')}`],
    [fn, `it declares function sum, which runs no code there \\(fn:${esc(FILE)}:sum fires at each of its calls\\)`,
      `${at('const LIMIT')} and ${at('let total')}`],
    [at('}', fn), 'no statement starts there', `${at('total += xs[i]')} and ${at('return total')}`],
    [at('} while'), 'no statement starts there', `${at('k--')} and ${at('for (const x of')}`],
    [at('  b)'), 'no statement starts there', `${at('return inner()')} and ${at('return a + b')}`],
    [at('{', at('  b)')), 'no statement starts there', `${at('return inner()')} and ${at('return a + b')}`],
    // A probe before a body's directive would make the function sloppy.
    [at("  'use strict'"), "'use strict' is a directive, which runs no code", `${at('return inner()')} and ${at('return a + b')}`],
    [LINES.length + 5, `${esc(FILE)} has ${LINES.length - 1} lines`, `${at('strictBody(1, 2)')}`],
  ];
  for (const [line, why, near] of cases) {
    const r = run(`line:${FILE}:${line} { @n = count() }`);
    assert.equal(r.code, 2, `line ${line}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^1:1: a line probe never fires at line ${line} of ${esc(FILE)}: ${why}; ` +
      `the nearest lines? where one can: ${near} \\(jsprobe -l 'line:${esc(FILE)}:\\*' lists them all\\)\n`), `line ${line}`);
  }
});

test('-l \'line:FILE:*\' lists every line where a line probe can fire, with its variables', () => {
  const r = jsprobe(['-l', `line:${FILE}:*`]);
  assert.equal(r.code, 0, r.stderr);
  const listed = r.stdout.trimEnd().split('\n').map((l) => Number(/^line:[^ ]+:(\d+) /.exec(l)?.[1]));
  const statements = LINES.flatMap((l, i) => (/^\s*(const |let |for |while |do |k|total|return|sum\(|loops\(|strictBody\()/.test(l) ? [i + 1] : []));
  assert.deepEqual(listed, statements);
  assert.match(r.stdout, new RegExp(`^line:${esc(FILE)}:${at('total += xs[i]')}  /.*/line-kinds\\.cjs:${at('total += xs[i]')}  locals: i, total, xs$`, 'm'));
});
