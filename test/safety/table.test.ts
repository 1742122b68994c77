// Safe mode, table-driven, through the real command: each one-liner runs without --unsafe on the
// crafted values of test/fixtures/safety/crafted.cjs (getters, proxies, hooks, subclasses) in a
// program that has replaced built-ins jsprobe might call. Each is either refused when it
// compiles, or it runs and the program reports that none of its code ran that it did not call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { JSPROBE, ROOT } from '../cli/run.js';

const F = 'test/fixtures/safety/app.cjs';
const CLEAN = 'SAFETY: no program code ran\n';

interface Row {
  name: string;
  program: string;
  flags?: string[];
  /** Refused at compile time: exit 2, with this in the message. */
  refused?: RegExp;
  /** What the output must hold (the handlers did run). */
  stdout?: RegExp[];
}

const all16 = (e: string) => Array.from({ length: 16 }, () => e).join(', ');
const strMethods = [
  'split(",")', 'split(",", 1)', 'split("")', 'replace(",", "-")', 'replaceAll(",", "[$&]")', 'padStart(40, "*")', 'padEnd(40)',
  'slice(1)', 'substring(1, 3)', 'at(-1)', 'charAt(0)', 'charCodeAt(0)', 'indexOf(",")', 'lastIndexOf(",")', 'includes("b")',
  'startsWith("a")', 'endsWith("c")', 'repeat(2)', 'toLowerCase()', 'toUpperCase()', 'trim()', 'trimStart()', 'trimEnd()', 'toString()',
];
const mathFns = ['floor', 'round', 'ceil', 'trunc', 'abs', 'sqrt', 'log2', 'sign', 'max', 'min'];

const ROWS: Row[] = [
  {
    name: '%s with width, flags and precision',
    program: `fn:${F}:probe { printf("%s=%s|%5s|%-5s|%.3s\\n", arg1, arg0, arg0, arg0, arg0) }`,
    stdout: [/^ownGetter=\{ x: \[Getter\], y: 1 \}\|/m, /^proxy=\[Proxy\]\|/m, /^error=\[Error: boom\]\|/m, /^regexp=\/ab\+\/i\|/m],
  },
  {
    name: 'numeric conversions',
    program: `fn:${F}:probe { printf("${'%d %i %u %f %.2f %e %E %g %G %x %X %o %#x %05d %+d %c'}\\n", ${all16('arg0')}) }`,
    stdout: [/^3 3 3 3\.250000 3\.25 /m],
  },
  { name: 'print(x)', program: `fn:${F}:probe { print(arg0); print(arg1) }`, stdout: [/^SneakyMap\(2\) \{ 'k' => 1, /m] },
  {
    name: 'print(x) as JSON',
    program: `fn:${F}:probe { print(arg0) }`,
    flags: ['-f', 'json'],
    stdout: [/^\{"type":"value","data":\{"x":"\[Getter\]","y":1\}\}$/m],
  },
  {
    name: 'printf as JSON',
    program: `fn:${F}:probe { printf("%s %d\\n", arg0, arg0) }`,
    flags: ['-f', 'json'],
    stdout: [/^\{"type":"printf","data":"\[Proxy\] NaN\\n"\}$/m],
  },
  { name: 'map keys', program: `fn:${F}:probe { @k[arg0] = count(); @k2[arg0, arg1] = sum(1) }`, stdout: [/^@k\[\[Proxy\]\]: 3$/m] },
  {
    name: 'map values, printed at exit',
    program: `fn:${F}:probe { @v[arg1] = arg0; @last = arg0 }`,
    stdout: [/^@v\[nested\]: \{ a: \{ b: \{ c: \[Getter\] \} \}/m],
  },
  {
    name: 'maps as JSON',
    program: `fn:${F}:probe { @v[arg1] = arg0; @k[arg0] = count(); @h = hist(arg0); @st = stats(arg0) }`,
    flags: ['-f', 'json'],
    stdout: [/"type":"map","data":\{"@v":\{/],
  },
  {
    name: 'aggregations of objects, and print with top and div',
    program: `fn:${F}:probe { @s = sum(arg0); @a = avg(arg0); @mn = min(arg0); @mx = max(arg0); @st[arg1] = stats(arg0); @h `
      + `= hist(arg0); @l = lhist(arg0, 0, 10, 1) } END { print(@st, 3, 10); print(@h); print(@l) }`,
    stdout: [/^@h:$/m],
  },
  { name: 'delete() and clear()', program: `fn:${F}:probe { @m[arg0] = count(); delete(@m[arg0]); @n[arg1] = arg0; clear(@n) }` },
  {
    name: 'property reads',
    program: `fn:${F}:probe { printf("%s %s %s %s %s %s %s %s %s %s %s %s %s\\n", arg1, arg0.x, arg0.length, arg0[0], `
      + `arg0[1], arg0.size, arg0.then, arg0.stack, arg0.name, arg0.message, arg0.source, arg0.flags, arg0.constructor) `
      + `}`,
    // A size getter of the program's own (SneakyMap's) is not the built-in one: not called.
    stdout: [/^mapSub undefined undefined undefined undefined undefined /m, /^string undefined 5 a , /m, /^error (undefined ){8}boom /m],
  },
  { name: 'args[x] with a program value as the key', program: `fn:${F}:probe { printf("%s %s %s\\n", args[arg0], args[arg1], args[args]) }` },
  {
    name: 'arithmetic operators',
    program: `fn:${F}:probe { printf("%s %s %s %s %s %s %s %s %s %s\\n", arg0 + 1, arg0 - 1, arg0 * 2, arg0 / 2, arg0 % 2, `
      + `arg0 ** 2, -arg0, +arg0, ~arg0, arg0 + "s") }`,
  },
  {
    name: 'comparisons and logic',
    program: `fn:${F}:probe { printf("%s %s %s %s %s %s %s %s %s %s %s %s %s\\n", arg0 < 1, arg0 > 1, arg0 <= 1, arg0 >= 1, `
      + `arg0 == 1, arg0 != 1, arg0 === 1, !arg0, typeof arg0, arg0 ? 1 : 2, arg0 && 1, arg0 || 1, arg0 ?? 1) }`,
  },
  {
    name: 'string methods on the printed value',
    program: `fn:${F}:probe { $s = str(arg0); printf("${strMethods.map(() => '%s').join('|')}\\n", ${strMethods.map((m) => `$s.${m}`).join(', ')}) }`,
    stdout: [new RegExp(String.raw`^\[ 'a', 'b', 'c' \]\|\[ 'a' \]\|\[ 'a', ',', 'b', ',', 'c' \]\|a-b,c\|a\[,\]b\[,\]c\|`
      + String.raw`\*{35}a,b,c\|a,b,c {35}\|,b,c\|,b\|c\|a\|97\|1\|3\|true\|true\|true\|a,b,ca,b,c\|`, 'm')],
  },
  ...['split(",")', 'replace(",", "-")', 'padStart(9, "*")', 'slice(1)', 'toString()'].map((m): Row => ({
    name: `.${m} on the value itself (String objects and subclasses are not strings)`,
    program: `fn:${F}:probe { printf("%s\\n", arg0.${m}) }`,
  })),
  {
    name: 'array methods on the value itself',
    program: `fn:${F}:probe { printf("%s|%s|%s|%s|%s|%s\\n", arg0.join("+"), arg0.slice(1), arg0.at(1), arg0.includes(2), `
      + `arg0.indexOf(3), arg0.lastIndexOf(3)) }`,
    stdout: [/^1\+2\+3\|\[ 2, 3 \]\|2\|true\|2\|2$/m, /^1\+\+3\|\[ undefined, 3 \]\|undefined\|false\|2\|2$/m],
  },
  {
    name: 'number methods',
    program: `fn:${F}:probe { $n = arg0 * 1; printf("%s %s %s %s\\n", $n.toFixed(2), $n.toPrecision(3), $n.toExponential(2), $n.toString(16)) }`,
    stdout: [/^3\.25 3\.25 3\.25e\+0 3\.4$/m],
  },
  {
    name: 'Math',
    program: `fn:${F}:probe { printf("${mathFns.map(() => '%s').join(' ')}\\n", ${mathFns.map((f) => `Math.${f}(arg0, 1)`).join(', ')}) }`,
    stdout: [/^3 3 4 3 3\.25 /m],
  },
  {
    name: 'stack, time, nsecs, this, probe, func',
    program: `fn:${F}:probe { printf("%s|%s|%d|%s|%s|%s\\n", stack, arg1, nsecs, this, probe, func); time("%H:%M:%S %Y-%m-%d %f\\n") }`,
  },
  {
    name: 'return values: retval and elapsed on thenables, promises and proxies',
    program: `fnret:${F}:give { @e = hist(elapsed); printf("%s %s\\n", retval, elapsed >= 0) } fnret:${F}:later { printf("later %s\\n", retval) }`,
    // later() is async: a site inside its body reports the settled value; a wrapper sees a promise whose
    // then the program replaced, so a synchronous return. Either way, its then is not called.
    stdout: [/^\{ then: \[Getter\] \} true$/m, /^later (a,b,c|Promise \{ <unknown> \})$/m],
  },
  {
    name: 'BEGIN, END and interval',
    program: `BEGIN { printf("%s\\n", str(1.5)) } interval:ms:1 { @t = count() } END { printf("%s %s\\n", stack, str(@t > 0)) }`,
  },
  { name: 'assigning to a program object is refused', program: `fn:${F}:probe { arg0.x = 1 }`, refused: /--unsafe/ },
  { name: 'instanceof is refused', program: `fn:${F}:probe { printf("%s\\n", arg0 instanceof arg0) }`, refused: /--unsafe/ },
  { name: 'in is refused', program: `fn:${F}:probe { printf("%s\\n", "x" in arg0) }`, refused: /--unsafe/ },
  { name: 'calling a method of a program object is refused', program: `fn:${F}:probe { printf("%s\\n", arg0.toJSON()) }`, refused: /--unsafe/ },
  { name: 'a global is refused', program: `fn:${F}:probe { printf("%s\\n", JSON.stringify(arg0)) }`, refused: /--unsafe/ },
];

interface Result { code: number | null; stdout: string; stderr: string }

function run(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JSPROBE, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Two at a time: each row starts two node processes.
const results = new Map<Row, Promise<Result>>();
let chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
ROWS.forEach((row, i) => {
  const lane = i % chain.length;
  const p = chain[lane].then(() => run(['-q', ...(row.flags ?? []), '-e', row.program, '-c', `node ${F}`]));
  chain[lane] = p;
  results.set(row, p);
});
chain = [];

for (const row of ROWS) {
  test(row.name, async () => {
    const r = await results.get(row)!;
    const detail = `program: ${row.program}\nstdout:\n${r.stdout.slice(0, 4000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
    if (row.refused !== undefined) {
      assert.equal(r.code, 2, detail);
      assert.match(r.stderr, row.refused, detail);
      assert.doesNotMatch(r.stderr, /SAFETY/, `the program did not start\n${detail}`);
      return;
    }
    assert.equal(r.code, 0, detail);
    assert.ok(r.stderr.includes(CLEAN), detail);
    assert.doesNotMatch(r.stderr, /program code ran:/, detail);
    for (const re of row.stdout ?? []) assert.match(r.stdout, re, detail);
  });
}

test('a getter is named once on stderr, with --unsafe, however often it is met', async () => {
  const r = await run(['-q', '-e', `fn:${F}:probe { printf("%s %s\\n", arg0, arg0.x) }`, '-c', `node ${F}`]);
  assert.ok(r.stderr.includes(CLEAN), r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes("'x' is a getter"));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /--unsafe/);
});

test('across threads: a worker\'s snapshots and messages, and the main thread merging and printing them, run nothing of the program\'s', async () => {
  const T = 'test/fixtures/safety/threads.cjs';
  const program = `fn:${T}:probe { @v[arg1] = arg0; @k[arg0] = count(); @h = hist(3); printf("%s %s\\n", arg1, arg0) }`;
  for (const format of ['text', 'json']) {
    const r = await run(['-q', '-f', format, '-e', program, '-c', `node ${T}`]);
    const detail = `-f ${format}\nstdout:\n${r.stdout.slice(0, 4000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
    assert.equal(r.code, 0, detail);
    assert.ok(r.stderr.includes('SAFETY main: no program code ran\n'), detail);
    assert.ok(r.stderr.includes('SAFETY worker: no program code ran\n'), detail);
    // The worker's maps reached the main thread: its keys, its copied values, its histogram.
    const expected = format === 'text' ? [/^@v\[nested\]: \{ a: \{ b: \{ c: \[Getter\] \} \}/m, /^@v\[after\]: /m, /^\[2, 4\)\s+\d+ \|@+/m]
      : [/"nested":"\{ a: \{ b: \{ c: \[Getter\] \} \}/, /"type":"hist"/];
    for (const re of expected) assert.match(r.stdout, re, detail);
  }
});
