// Map printers and printf, against exact strings (bpftrace's habit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggMap } from '../../src/agg/maps.js';
import { printMap, type Output } from '../../src/agg/print.js';
import { formatPrintf } from '../../src/agg/printf.js';

function capture(format: 'text' | 'json'): Output & { lines: string[] } {
  const lines: string[] = [];
  return { format, lines, text: (s) => void lines.push(s), json: (o) => void lines.push(JSON.stringify(o)) };
}

const map = (agg: 'count' | 'sum' | 'avg' | 'stats' | 'lhist' | 'value', keys = 1, lhist?: [number, number, number]) =>
  AggMap.of({ name: 'm', index: 0, agg, keys, at: 0, lhist });

test('scalar maps print sorted by value, top N and a divisor', () => {
  const m = map('sum');
  m.add('b', 30);
  m.add('a', 10);
  m.add('c', 20);
  m.add('a', 5);
  const out = capture('text');
  printMap(out, m);
  printMap(out, m, 2, 10);
  assert.deepEqual(out.lines, ['@m[a]: 15\n@m[c]: 20\n@m[b]: 30\n\n', '@m[c]: 2\n@m[b]: 3\n\n']);
});

test('avg and stats, and a map with no keys', () => {
  const a = map('avg', 0);
  const s = map('stats');
  for (const v of [1, 2, 4]) {
    a.add('', v);
    s.add('k', v);
  }
  const out = capture('text');
  printMap(out, a);
  printMap(out, s);
  assert.deepEqual(out.lines, ['@m: 2\n\n', '@m[k]: count 3, average 2, min 1, max 4, total 7, p50 2, p90 4, p99 4\n\n']);
  assert.equal(a.get(''), 2);
});

test('lhist rows, and JSON for lhist, stats and plain values', () => {
  const l = map('lhist', 0, [0, 30, 10]);
  for (const v of [-1, 5, 15, 15, 99]) l.add('', v);
  const text = capture('text');
  printMap(text, l);
  assert.equal(text.lines[0], [
    '@m:',
    `(..., 0)               1 |${'@'.repeat(26).padEnd(52)}|`,
    `[0, 10)                1 |${'@'.repeat(26).padEnd(52)}|`,
    `[10, 20)               2 |${'@'.repeat(52)}|`,
    `[20, 30)               0 |${' '.repeat(52)}|`,
    `[30, ...)              1 |${'@'.repeat(26).padEnd(52)}|`,
    'p50 15, p90 99, p99 99',
    '',
    '',
  ].join('\n'));
  const json = capture('json');
  printMap(json, l);
  const v = map('value');
  v.set('x', 'hello');
  printMap(json, v);
  assert.deepEqual(json.lines.map((x) => JSON.parse(x) as unknown), [
    {
      type: 'hist',
      data: { '@m': [{ min: null, max: 0, count: 1 }, { min: 0, max: 10, count: 1 }, { min: 10, max: 20, count: 2 }, { min: 30, max: null, count: 1 }] },
      percentiles: { '@m': { p50: 15, p90: 99, p99: 99 } },
    },
    { type: 'map', data: { '@m': { x: 'hello' } } },
  ]);
});

test('printf conversions, flags, width and precision', () => {
  assert.equal(
    formatPrintf('%s|%5s|%-5s|%.2s|%d|%+d|%05d|%x|%#x|%o|%c|%.3f|%e|%g|%%', ['a', 'b', 'c', 'xyz', 3.9, 4, -42, 255, 255, 8, 66, Math.PI, 1234.5, 0.0001]),
    'a|    b|c    |xy|3|+4|-0042|ff|0xff|10|B|3.142|1.234500e+03|0.0001|%',
  );
  assert.equal(formatPrintf('%s %s', [{ a: 1 }, [1, 'x']]), "{ a: 1 } [ 1, 'x' ]");
  assert.equal(formatPrintf('%d', [10n]), '10');
});

test("printf %g is C's: %e style for a large or small exponent, trailing zeros dropped unless #", () => {
  const g = (fmt: string, ...values: unknown[]): string => formatPrintf(fmt, values);
  assert.equal(g('[%g][%g][%g][%g]', 123456789, 1234567, 1e20, 1e-5), '[1.23457e+08][1.23457e+06][1e+20][1e-05]');
  assert.equal(g('[%g][%g][%g][%g][%g][%g]', 123456, 0.0001, 100, 0, -2.5, 999999.5), '[123456][0.0001][100][0][-2.5][1e+06]');
  assert.equal(g('[%.3g][%.0g][%.10g][%#g][%#.3g][%G][%10.3g][%-8g|]', Math.PI, 15, Math.PI, 1, 1e-5, 1e-10, 1234, 0.5),
    '[3.14][2e+01][3.141592654][1.00000][1.00e-05][1E-10][  1.23e+03][0.5     |]');
  assert.equal(g('[%g][%e][%f]', 1 / 0, -1 / 0, 0 / 0), '[inf][-inf][nan]');
  // %e and %f: C's # keeps the point when no digit follows it; precision past JavaScript's 100 digits is cut to 100.
  assert.equal(g('[%E][%.0e][%#.0e][%#.0f][%.2e]', 1234.5, 15, 1, 2, -0.000123), '[1.234500E+03][2e+01][1.e+00][2.][-1.23e-04]');
  assert.equal(g('%.200e', 1).length, '1.'.length + 100 + 'e+00'.length);
});

test('printf %f %e %g round as C does: the exact binary value, a tie to the even digit', () => {
  const g = (fmt: string, ...values: unknown[]): string => formatPrintf(fmt, values);
  // 1.25, 0.125 and 2.5 are exact: ties, to even (toFixed gave 1.3, 0.13, 3). 2.675 is 2.67499…: down.
  assert.equal(g('%.1f %.2f %.0f %.0f %.0f %.2f %.1f', 1.25, 0.125, 2.5, 3.5, -0.5, 2.675, 0.35), '1.2 0.12 2 4 -0 2.67 0.3');
  assert.equal(g('%.1e %.0e %.0e %.2e %.1e %.1e', 1.25, 25, 35, 1.125, -0.125, 3.5e22), '1.2e+00 2e+01 4e+01 1.12e+00 -1.2e-01 3.5e+22');
  assert.equal(g('%.2g %.1g %g %.3g', 1.25, 0.25, 0.0000125, 1002.5), '1.2 0.2 1.25e-05 1e+03');
  // Past 1e21 toFixed writes 1e+21; C writes every digit of the value.
  assert.equal(g('%f %.0f %.30g', 1e21, -1.5e22, 1e25), '1000000000000000000000.000000 -15000000000000000000000 10000000000000000905969664');
  // Ties at the third digit after the point, and at the fourth significant one.
  assert.equal(g('%.3f %.3e %.4g', 0.0625, 1.0625, 2.00025), '0.062 1.062e+00 2');
});

test('printf infinities and NaN as C prints them: inf, -inf, nan (INF, NAN for %F %E %G), a sign flag kept, no zero padding', () => {
  const g = (fmt: string, ...values: unknown[]): string => formatPrintf(fmt, values);
  const inf = Infinity;
  assert.equal(g('[%f][%e][%g][%F][%E][%G]', inf, -inf, NaN, inf, -inf, NaN), '[inf][-inf][nan][INF][-INF][NAN]');
  assert.equal(g('[%+f][% e][%5f][%-6f|][%05f][%+.1f][%08.2e]', inf, inf, inf, -inf, inf, NaN, -inf), '[+inf][ inf][  inf][-inf  |][  inf][+nan][    -inf]');
  assert.equal(g('%F %.2F', 1.5, 2.675), '1.500000 2.67');
});

test('printf %u %x %o of a negative integer: its 64-bit two\'s complement, as bpftrace prints it', () => {
  const g = (fmt: string, ...values: unknown[]): string => formatPrintf(fmt, values);
  assert.equal(g('[%u][%x][%X][%o][%u]', -1, -1, -2, -1, -1n),
    '[18446744073709551615][ffffffffffffffff][FFFFFFFFFFFFFFFE][1777777777777777777777][18446744073709551615]');
  assert.equal(g('[%u][%x][%#x][%u][%u]', 42, 255, 255, 0, -1 / 0), '[42][ff][0xff][0][-Infinity]');
});
