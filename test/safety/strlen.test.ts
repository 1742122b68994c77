// The string bound (--max-strlen), table-driven, through the real command: handlers that read a
// long argument or build huge strings never end or stall the traced program (test/fixtures/
// safety/strlen.cjs exits 7 after printing what it computed), what they print keeps to the
// bound, a string longer than 64 × the bound (a 20 M-character rope, a flat one just over) is not
// read at all, and the counts of strings cut and not read, printed at the end, are exact for the
// known number of hits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { JSPROBE, jsprobe, ROOT } from '../cli/run.js';

const F = 'test/fixtures/safety/strlen.cjs';
const HITS = 5;
/** Longer than the bound, short enough to read (64 × 4,096 is the most that is). */
const BIG = 200_000;
/** A rope (built by `+`) too long to read. */
const ROPE = 20_000_000;

interface Row {
  name: string;
  program: string;
  flags?: string[];
  /** Characters of the fixture's long string (BIG unless said). */
  size?: number;
  /** The long string is a rope. */
  rope?: boolean;
  /** Strings cut in all (the line at the end, or the JSON object). */
  cut: number;
  /** Strings not read, too long (the line after, or the JSON object). */
  unread?: number;
  /** What the trace output must hold. */
  stdout?: RegExp[];
  /** Each printed line (the program's own left out) is at most this long. */
  maxLine?: number;
}

const A4093 = `${'a'.repeat(4093)}\\.\\.\\.`;

const ROWS: Row[] = [
  {
    name: '"a".repeat(2e8).split("") in a handler is built to the bound, not to 200 MB',
    program: `fn:${F}:probe { @n = "a".repeat(2e8).split("").length }`,
    size: 10,
    cut: HITS,
    stdout: [/^@n: 4096$/m],
  },
  {
    name: 'replaceAll on a long argument works on the argument cut as it is read',
    program: `fn:${F}:probe { @n = arg0.replaceAll("a", "bb").length; @len = arg0.length }`,
    // Per hit: the receiver cut as read (1), the result past the bound (1). `.length` reads the whole string's.
    cut: 2 * HITS,
    stdout: [/^@n: 4096$/m, new RegExp(`^@len: ${BIG}$`, 'm')],
  },
  {
    name: 'printf("%s") of a long argument prints it cut, with the marker',
    program: `fn:${F}:probe { printf("%s\\n", arg0) }`,
    cut: HITS,
    stdout: [new RegExp(`^${A4093}$`, 'm')],
    maxLine: 4096,
  },
  {
    name: 'map keys and values keep to the bound',
    program: `fn:${F}:probe { @k[arg0] = count(); @v = arg0 }`,
    cut: 2 * HITS,
    stdout: [new RegExp(`^@k\\[${A4093}\\]: ${HITS}$`, 'm'), new RegExp(`^@v: ${A4093}$`, 'm')],
    maxLine: 4096 + 10,
  },
  {
    name: 'padStart(1e9) and printf width %999999999s pad to the bound only',
    program: `fn:${F}:probe { @n = arg1.padStart(1e9).length; printf("%999999999s\\n", arg1) }`,
    size: 10,
    cut: 2 * HITS,
    // 'short' padded to just past the bound, then cut: 4092 spaces, its first letter, the marker.
    stdout: [/^@n: 4096$/m, /^ {4092}s\.\.\.$/m],
    maxLine: 4096,
  },
  {
    name: 'join of a split long argument',
    program: `fn:${F}:probe { @n = arg0.split("").join("-").length }`,
    // Per hit: the receiver of split (1), the joined result (1).
    cut: 2 * HITS,
    stdout: [/^@n: 4096$/m],
  },
  {
    name: '+ joins strings within the bound (--max-strlen 8)',
    program: `fn:${F}:probe { @s = arg1 + arg1; @t = arg1 + "!" }`,
    flags: ['--max-strlen', '8'],
    size: 10,
    cut: HITS,
    stdout: [/^@s: short\.\.\.$/m, /^@t: short!$/m, /^5 strings cut at --max-strlen \(8\)$/m],
  },
  {
    name: 'print of an object holding a long string, as JSON (--max-strlen 50)',
    program: `fn:${F}:probe { print(arg2); printf("%s\\n", arg0) }`,
    flags: ['-f', 'json', '--max-strlen', '50'],
    // Within 64 × 50: read, and cut.
    size: 3000,
    // Per hit: the nested string (its copy counts once), the argument read for printf (1).
    cut: 2 * HITS,
    // The copy stops once past the bound: `n` is left out.
    stdout: [/^\{"type":"value","data":\{"body":"a{47}\.\.\."\}\}$/m, /^\{"type":"printf","data":"a{47}\.\.\.\\n"\}$/m],
    maxLine: 200,
  },
  {
    name: '--unsafe keeps the bound on what is read and printed',
    program: `fn:${F}:probe { printf("%s\\n", arg0); @n = arg0.length; @r = arg0.replaceAll("a", "bb").length }`,
    flags: ['--unsafe'],
    // Per hit: arg0 read for printf (1) and as replaceAll's receiver (1), the result (1).
    cut: 3 * HITS,
    stdout: [new RegExp(`^${A4093}$`, 'm'), new RegExp(`^@n: ${BIG}$`, 'm'), /^@r: 4096$/m],
  },
  {
    name: '--unsafe calls a method named by a computed key on its object, the receiver cut as read',
    program: `fn:${F}:probe { printf("%s %s\\n", arg3["join"]("-"), arg0["slice"](0, 2)) }`,
    flags: ['--unsafe'],
    // Per hit: arg0 as slice's receiver.
    cut: HITS,
    stdout: [/^alpha-beta-gamma aa$/m],
  },
  {
    name: 'a 20 M-character rope is not read: the handler gets the marker alone, and its real length',
    program: `fn:${F}:probe { printf("%s %d\\n", arg0, arg0.length); @k[arg0] = count(); @c = arg0[1]; @o = arg2 }`,
    size: ROPE,
    rope: true,
    // Per hit: arg0 for printf, as a key, indexed; the object's string, formatted for @o.
    cut: 0,
    unread: 4 * HITS,
    stdout: [new RegExp(`^\\.\\.\\. ${ROPE}$`, 'm'), new RegExp(`^@k\\[\\.\\.\\.\\]: ${HITS}$`, 'm'), /^@c: \.$/m,
      new RegExp(`^@o: \\{ body: ''\\.\\.\\. ${ROPE} more characters, n: 4 \\}$`, 'm')],
    maxLine: 200,
  },
  {
    name: 'a flat string just over 64 × the bound is not read either: the rule is on the length',
    program: `fn:${F}:probe { printf("%s %d\\n", arg0, arg0.length) }`,
    size: 64 * 4096 + 1,
    cut: 0,
    unread: HITS,
    stdout: [new RegExp(`^\\.\\.\\. ${64 * 4096 + 1}$`, 'm')],
    maxLine: 200,
  },
  {
    name: 'a string of 64 × the bound is read, and cut',
    program: `fn:${F}:probe { printf("%s\\n", arg0) }`,
    size: 64 * 4096,
    cut: HITS,
    stdout: [new RegExp(`^${A4093}$`, 'm')],
  },
  {
    name: 'a rope too long to read, as JSON: the marker alone, and the count in its own object',
    program: `fn:${F}:probe { print(arg2); printf("%s\\n", arg0) }`,
    flags: ['-f', 'json'],
    size: ROPE,
    rope: true,
    cut: 0,
    unread: 2 * HITS,
    stdout: [/^\{"type":"value","data":\{"body":"\.\.\.","n":\d\}\}$/m, /^\{"type":"printf","data":"\.\.\.\\n"\}$/m],
    maxLine: 200,
  },
  {
    name: '--unsafe does not read a rope too long to read either, nor a character of it',
    program: `fn:${F}:probe { printf("%s %d\\n", arg0, arg0.length); @c = arg0[1]; @u = arg0.toUpperCase() }`,
    flags: ['--unsafe'],
    size: ROPE,
    rope: true,
    // Per hit: arg0 for printf, indexed, as toUpperCase's receiver.
    cut: 0,
    unread: 3 * HITS,
    stdout: [new RegExp(`^\\.\\.\\. ${ROPE}$`, 'm'), /^@c: \.$/m, /^@u: \.\.\.$/m],
    maxLine: 200,
  },
];

interface Result { code: number | null; stdout: string; stderr: string; ms: number }

function run(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [JSPROBE, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Only stops a run that hangs: a handler that built 200 MB strings took minutes.
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** What the fixture prints of its own: the same with or without jsprobe. */
function own(size: number): string {
  return `program: ${HITS} calls, total ${HITS * (2 * size + 5 + 3)}\n`;
}

// Two at a time: each row holds a 200 MB string in the traced program.
const results = new Map<Row, Promise<Result>>();
let lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
ROWS.forEach((row, i) => {
  const lane = i % lanes.length;
  const cmd = `node ${F} ${HITS} ${row.size ?? BIG}${row.rope === true ? ' rope' : ''}`;
  const p = lanes[lane].then(() => run(['-q', ...(row.flags ?? []), '-e', row.program, '-c', cmd]));
  lanes[lane] = p;
  results.set(row, p);
});
lanes = [];

for (const row of ROWS) {
  test(row.name, async () => {
    const r = await results.get(row)!;
    const size = row.size ?? BIG;
    const detail = `program: ${row.program}\nexit ${r.code} after ${r.ms} ms\nstdout:\n${r.stdout.slice(0, 2000)}\nstderr:\n${r.stderr.slice(0, 2000)}`;
    assert.equal(r.code, 7, detail);
    // The program's own line shares stdout with the trace: it is there, whole.
    assert.ok(r.stdout.includes(own(size)), detail);
    assert.equal(r.stderr, '', detail);
    const max = row.flags?.includes('--max-strlen') === true ? Number(row.flags[row.flags.indexOf('--max-strlen') + 1]) : 4096;
    const json = row.flags?.includes('json') === true;
    const unread = row.unread ?? 0;
    const cut = row.cut === 0 ? '' : json ? `{"type":"strings_cut","data":{"count":${row.cut},"max_strlen":${max}}}\n`
      : `${row.cut} strings cut at --max-strlen (${max})\n`;
    const line = cut + (unread === 0 ? '' : json ? `{"type":"strings_unread","data":{"count":${unread},"max_chars":${64 * max},"max_strlen":${max}}}\n`
      : `${unread} strings not read: longer than ${64 * max} characters (64 × --max-strlen), whose read could stall the program\n`);
    assert.ok(r.stdout.endsWith(line), `expected the last line ${line}${detail}`);
    for (const re of row.stdout ?? []) assert.match(r.stdout, re, detail);
    if (row.maxLine !== undefined) {
      for (const l of r.stdout.split('\n')) assert.ok(l.length <= row.maxLine, `a line of ${l.length} characters\n${detail}`);
    }
  });
}

test('nothing is cut: no line at the end', () => {
  const r = jsprobe(['-q', '-e', `fn:${F}:probe { printf("%s\\n", arg1) }`, '-c', `node ${F} ${HITS} 10`]);
  assert.equal(r.code, 7, r.stderr);
  // The program's line and the trace come through different pipes: in any order.
  const lines = (s: string) => s.split('\n').filter((l) => l !== '').sort();
  assert.ok(r.stdout.endsWith('\n'), r.stdout);
  assert.deepEqual(lines(r.stdout), lines(own(10) + 'short\n'.repeat(HITS)));
});

test('worker threads: each thread cuts to the bound, and the counts add up at the end', () => {
  // workers.cjs ends: work() runs 5 times in the main thread and 10 times in each of two workers.
  const r = jsprobe(['-q', '--max-strlen', '4', '-e', 'fn:test/fixtures/cli/workers.cjs:work { @s[tid > 0] = str(arg0) + "xxxx" }',
    '-c', 'node test/fixtures/cli/workers.cjs ends']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@s\[false\]: 4\.\.\.$/m, r.stdout);
  assert.match(r.stdout, /^@s\[true\]: 1\.\.\.$/m, r.stdout);
  assert.ok(r.stdout.endsWith('\n25 strings cut at --max-strlen (4)\n'), r.stdout);
});

test('worker threads: strings too long to read are counted apart in each thread, and add up', () => {
  // --unsafe: padEnd is the program's JavaScript, its 100 characters over 64 × 1, left unread.
  const r = jsprobe(['-q', '--unsafe', '--max-strlen', '1', '-e', 'fn:test/fixtures/cli/workers.cjs:work { @u = "x".padEnd(100) }',
    '-c', 'node test/fixtures/cli/workers.cjs ends']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@u: \.$/m, r.stdout);
  assert.ok(r.stdout.endsWith('\n25 strings not read: longer than 64 characters (64 × --max-strlen), whose read could stall the program\n'), r.stdout);
});

for (const bad of ['0', '-1', 'abc', '1.5', String(2 ** 28 + 1)]) {
  test(`--max-strlen ${bad} is a usage error`, () => {
    const r = jsprobe(['--max-strlen', bad, '-e', `fn:${F}:probe { @n = count() }`, '-c', `node ${F} 1 10`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^jsprobe: --max-strlen (takes a whole number|needs a value)/);
  });
}
