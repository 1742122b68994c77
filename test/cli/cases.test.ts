// End-to-end tests of the jsprobe command, declared as bpftrace's runtime tests are: a program, a
// command, the expected output (exact text, or lines of JSON), the exit code. Each case starts
// the real command, which starts the real traced program with the agent preloaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { jsprobe, ROOT } from './run.js';
const APP = 'test/fixtures/cli/app.cjs';
const GEN = 'test/fixtures/cli/gen.cjs';
const STACK_APP = 'test/fixtures/cli/stack.cjs';
const SETTINGS_APP = 'test/fixtures/cli/stack-settings.mjs';
const TSX_APP = 'test/fixtures/cli/tsx-stack.ts';
const TSX_LINES = readFileSync(join(ROOT, TSX_APP), 'utf8').split('\n');
/** `text`'s 1-based line and column in the tsx fixture; `after`: the column after it. */
const tsxAt = (text: string, after = false): string => {
  const i = TSX_LINES.findIndex((l) => l.includes(text));
  return `${i + 1}:${TSX_LINES[i].indexOf(text) + 1 + (after ? text.length : 0)}`;
};
const STACK_LINES = readFileSync(join(ROOT, STACK_APP), 'utf8').split('\n');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** `text`'s 1-based line and column in the stack fixture. */
const stackAt = (text: string): string => {
  const i = STACK_LINES.findIndex((l) => l.includes(text));
  return `${i + 1}:${STACK_LINES[i].indexOf(text) + 1}`;
};
/** Lookaheads, from the start, that each text is there exactly once: a fault is reported once however often it happens. */
const onceEach = (...texts: string[]): RegExp => new RegExp(`^${texts.map((t) => `(?![\\s\\S]*${t}[\\s\\S]*${t})(?=[\\s\\S]*${t})`).join('')}`);
const APP_LINES = readFileSync(join(ROOT, APP), 'utf8').split('\n');
/** The 1-based line of the fixture that holds `text`. */
const lineOf = (text: string): number => APP_LINES.findIndex((l) => l.includes(text)) + 1;

interface Case {
  name: string;
  args: string[];
  /** Exact stdout, or a pattern it must match. */
  stdout?: string | RegExp;
  /** stdout parsed as one JSON object a line, compared whole. */
  json?: unknown[];
  stderr?: RegExp;
  code: number;
}


const run = (program: string, mode = 'run', ...more: string[]) => ['-q', ...more, '-e', program, '-c', `node ${APP} ${mode}`];

const CASES: Case[] = [
  {
    name: 'fn: and count() keyed by an argument',
    args: run(`fn:${APP}:work { @calls[arg1] = count() }`),
    stdout: '@calls[n1]: 1\n@calls[n2]: 1\n@calls[n3]: 1\n@calls[n10]: 1\n@calls[n100]: 1\n@calls[n1000]: 1\n\n',
    code: 0,
  },
  {
    name: 'fnret: retval into sum(), min(), max(), avg() and stats()',
    args: run(`fnret:${APP}:work { @sum = sum(retval); @min = min(retval); @max = max(retval); @avg = avg(retval); @st = stats(retval) }`),
    stdout: '@sum: 504499\n\n@min: 0\n\n@max: 499500\n\n@avg: 84083\n\n'
      + '@st: count 6, average 84083, min 0, max 499500, total 504499, p50 3, p90 499500, p99 499500\n\n',
    code: 0,
  },
  {
    name: 'hist() and lhist()',
    args: run(`fnret:${APP}:work { @h = hist(arg0); @l = lhist(arg0, 0, 20, 5) }`),
    stdout: [
      '@h:',
      '[1, 2)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
      '[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '[4, 8)                 0 |                                                    |',
      '[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
      '[16, 32)               0 |                                                    |',
      '[32, 64)               0 |                                                    |',
      '[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
      '[128, 256)             0 |                                                    |',
      '[256, 512)             0 |                                                    |',
      '[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
      'p50 3, p90 1000, p99 1000',
      '',
      '@l:',
      '[0, 5)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '[5, 10)                0 |                                                    |',
      '[10, 15)               1 |@@@@@@@@@@@@@@@@@                                   |',
      '[15, 20)               0 |                                                    |',
      '[20, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |',
      'p50 3, p90 1000, p99 1000',
      '',
      '',
    ].join('\n'),
    code: 0,
  },
  {
    name: 'a predicate, and a plain value kept in a map',
    args: run(`fnret:${APP}:work /arg0 >= 100 && retval % 2 == 0/ { @last[arg1] = retval }`),
    stdout: '@last[n100]: 4950\n@last[n1000]: 499500\n\n',
    code: 0,
  },
  {
    name: 'printf formats: %s %d %i %5.1f %-4d| %05d %x %X %o %c %e %%',
    args: run(`fn:${APP}:work /arg0 == 10/ { printf("%s|%d|%i|%5.1f|%-4d|%05d|%x|%X|%o|%c|%.2e|%%\\n", ` +
      'arg1, arg0, -arg0, arg0 / 3, arg0, arg0, 255, 255, 8, 65, 12345) }'),
    stdout: 'n10|10|-10|  3.3|10  |00010|ff|FF|10|A|1.23e+04|%\n',
    code: 0,
  },
  {
    name: 'line: a probe on a statement reads its locals',
    args: run(`line:${APP}:${lineOf('return `${id}')} { @names[id] = count(); printf("%s/%s\\n", name, user.name) }`),
    stdout: 'ada/ada\nbob/bob\ncy/cy\n@names[9]: 1\n@names[7]: 2\n\n',
    code: 0,
  },
  {
    name: 'a pattern: func and probe name the function each call is in; the anonymous map @',
    args: run(`fnret:${APP}:* { @[func] = count() } fn:${APP}:l* { @in[probe] = count() } fn:${APP}:work { @one[probe, func] = count() }`),
    stdout: [
      '@[fails]: 1', '@[anonymous#1]: 1', '@[later.anonymous#1]: 2', '@[later]: 2', '@[lineProbe]: 3', '@[work]: 6', '',
      `@in[fn:${APP}:later]: 2`, `@in[fn:${APP}:later.anonymous#1]: 2`, `@in[fn:${APP}:lineProbe]: 3`, '',
      `@one[fn:${APP}:work, work]: 6`, '', '',
    ].join('\n'),
    code: 0,
  },
  {
    name: 'functions with no name of their own are told apart, and the names -l lists are targets',
    args: run(`fnret:${APP}:later.anonymous#1 { @[probe, func] = count() } fnret:${APP}:anonymous#1 { @top[func] = count() }`),
    stdout: `@[fnret:${APP}:later.anonymous#1, later.anonymous#1]: 2\n\n@top[anonymous#1]: 1\n\n`,
    code: 0,
  },
  {
    name: '-l lists functions with no name of their own by their place in what they are in',
    args: ['-l', `${APP}:*anonymous*`],
    stdout: new RegExp(`^fn:${APP}:later\\.anonymous#1 .*\\nfn:${APP}:anonymous#1 .*\\nfn:${APP}:anonymous#2 .*\\nfn:${APP}:anonymous#3 .*\\n$`),
    code: 0,
  },
  {
    name: 'an async function: fnret at settle, with elapsed across the awaits',
    args: run(`fnret:${APP}:later { printf("%d %s\\n", retval, elapsed >= (arg0 - 1) * 1e6 ? "waited" : "early") }`),
    stdout: '5 waited\n1 waited\n',
    code: 0,
  },
  {
    name: 'a throw: threw and error',
    args: run(`fnret:${APP}:fails { printf("%s %s\\n", threw, error.message) }`),
    stdout: 'true boom\n',
    code: 0,
  },
  {
    name: 'a builtin export: fn:node:fs#readFileSync',
    // The app's own call, told apart by its encoding: Node's loader may read app.cjs too (Node 22 does).
    args: run('fn:node:fs#readFileSync /arg1 === "latin1"/ { @read[str(arg0).endsWith("app.cjs")] = count() }'),
    stdout: /^@read\[true\]: 1\n/,
    code: 0,
  },
  {
    name: 'BEGIN and END, variables, print(@m, top), clear() and delete()',
    args: run(`BEGIN { printf("start\\n") } fnret:${APP}:work { $r = retval; @top[arg1] = sum($r); @gone[arg1] = count() } ` +
      'END { delete(@top["n1"]); print(@top, 2); clear(@gone); printf("end\\n") }'),
    stdout: 'start\n@top[n100]: 4950\n@top[n1000]: 499500\n\nend\n@top[n2]: 1\n@top[n3]: 3\n@top[n10]: 45\n@top[n100]: 4950\n@top[n1000]: 499500\n\n',
    code: 0,
  },
  {
    name: 'exit() ends tracing and the command, with the maps printed',
    args: run(`fn:${APP}:work { @n = count(); if (arg0 == 3) { exit() } }`),
    stdout: '@n: 3\n\n',
    code: 0,
  },
  {
    name: 'interval:ms:N runs while the program does, and reads a map',
    // Ticks count once work() has run: on a loaded machine three ticks can pass before the program's first line.
    args: run(`interval:ms:20 /@w > 0/ { @ticks = count(); if (@ticks == 3) { exit() } } fn:${APP}:work { @w = count() }`, 'forever'),
    stdout: /^@ticks: 3\n\n@w: [0-9]+\n\n$/,
    code: 0,
  },
  {
    name: '-f json: printf, maps, hist and stats as one object a line',
    args: run(`fnret:${APP}:work /arg0 < 10/ { printf("%d\\n", retval); @s[arg1] = sum(retval); @h = hist(arg0); @st = stats(arg0) }`, 'run', '-f', 'json'),
    json: [
      { type: 'printf', data: '0\n' },
      { type: 'printf', data: '1\n' },
      { type: 'printf', data: '3\n' },
      { type: 'map', data: { '@s': { n1: 0, n2: 1, n3: 3 } } },
      { type: 'hist', data: { '@h': [{ min: 1, max: 2, count: 1 }, { min: 2, max: 4, count: 2 }] }, percentiles: { '@h': { p50: 2, p90: 3, p99: 3 } } },
      { type: 'stats', data: { '@st': { count: 3, average: 2, min: 1, max: 3, total: 6, p50: 2, p90: 3, p99: 3 } } },
    ],
    code: 0,
  },
  {
    name: 'the traced program throws at the top level: the maps still print, its exit code passes through',
    args: run(`fnret:${APP}:work { @before = count() }`, 'crash'),
    stdout: '@before: 1\n\n',
    stderr: /top-level crash/,
    code: 1,
  },
  {
    name: 'pure methods and Math in safe mode',
    args: run(`fn:${APP}:work /arg1.startsWith("n1")/ { printf("%s %d %s\\n", arg1.toUpperCase().padStart(6, "."), Math.max(arg0, 50), [1, 2].join("+")) }`),
    stdout: '....N1 50 1+2\n...N10 50 1+2\n..N100 100 1+2\n.N1000 1000 1+2\n',
    code: 0,
  },
  {
    name: 'safe mode refuses calls of the program\'s functions; --unsafe allows them',
    args: ['-q', '--unsafe', '-e', `fnret:${APP}:later { printf("%s\\n", typeof process.memoryUsage().rss) }`, '-c', `node ${APP} run`],
    stdout: 'number\nnumber\n',
    code: 0,
  },
  {
    name: '--dry-run lists what would be attached',
    args: ['--dry-run', '-e', `fnret:${APP}:w* { @x = count() } END { print(@x) }`],
    stdout: new RegExp('would attach 1 probe:\n {2}fnret:test/fixtures/cli/app\\.cjs:w\\*: 1 match\n' +
      ` {4}test/fixtures/cli/app\\.cjs:work \\(.*app\\.cjs:${lineOf('function work')}\\)\n {2}END\nmaps: @x \\(count\\)\n`),
    code: 0,
  },
  {
    name: '-l lists probe points',
    args: ['-l', `${APP}:*`],
    stdout: new RegExp(`^fn:test/fixtures/cli/app\\.cjs:work [^\n]*app\\.cjs:${lineOf('function work')}\n(.*\n)*` +
      `fn:test/fixtures/cli/app\\.cjs:lineProbe [^\n]*app\\.cjs:${lineOf('function lineProbe')}\n`),
    code: 0,
  },
  {
    name: '-l takes a pattern as a probe writes it, kind first, as it prints what it finds',
    args: ['-l', `fn:${APP}:w*`],
    stdout: new RegExp(`^fn:test/fixtures/cli/app\\.cjs:work [^\n]*app\\.cjs:${lineOf('function work')}\n$`),
    code: 0,
  },
  {
    name: 'an interval of a fraction names the whole numbers it takes',
    args: ['-e', 'interval:s:0.5 { exit() }'],
    stderr: /^1:10: an interval is interval:s:N or interval:ms:N, with N a whole number above 0 \(half a second: interval:ms:500\)\n/,
    code: 2,
  },
  {
    name: 'a negative number for a numeric option says what the option takes',
    args: ['--max-strlen', '-5', '-e', 'BEGIN { exit() }'],
    stderr: /^jsprobe: --max-strlen takes a whole number from 1 to \d+, not '-5'\n/,
    code: 2,
  },
  {
    name: '-l with a misspelt name pattern says what is near, its wildcards aside',
    args: ['-l', `${APP}:lineProbee*`],
    stdout: '',
    stderr: /^jsprobe: nothing matches test\/fixtures\/cli\/app\.cjs:lineProbee\*\. Did you mean test\/fixtures\/cli\/app\.cjs:lineProbe\?\n$/,
    code: 2,
  },
  {
    name: 'a line probe reads `this` at every call, as it reads the locals there',
    args: ['-q', '-e', 'line:test/fixtures/cli/line-this.cjs:6 { printf("x=%d y=%d n=%d\\n", x, y, this.n) }', '-c', 'node test/fixtures/cli/line-this.cjs'],
    stdout: 'x=1 y=2 n=1\nx=2 y=3 n=1\n',
    stderr: /^$/,
    code: 0,
  },
  {
    name: '-l of a kind that names no function says so',
    args: ['-l', 'profile:hz:99'],
    stderr: /^jsprobe: -l lists the functions and lines a pattern matches; profile probes have none\nusage:/,
    code: 2,
  },
  {
    name: 'a program with no probes runs on its own: BEGIN and exit()',
    args: ['-e', 'BEGIN { @x["a"] = sum(2); @x["b"] = sum(1); printf("hi %s\\n", pid > 0 ? "there" : "?"); exit() }'],
    stdout: 'hi there\n@x[b]: 1\n@x[a]: 2\n\n',
    code: 0,
  },
  { name: 'usage: no program', args: ['-c', 'node x.js'], stderr: /no program/, code: 2 },
  { name: 'usage: an unknown option', args: ['--frobnicate'], stderr: /unknown option '--frobnicate'\nusage:/, code: 2 },
  {
    name: 'usage: an unknown long option names the option it abbreviates',
    args: ['-e', 'BEGIN { exit() }', '--cmd', 'node x.js'],
    stderr: /^jsprobe: unknown option '--cmd'\. Did you mean -c COMMAND\?\nusage:/,
    code: 2,
  },
  {
    name: 'usage: an unknown long option names the one it misspells',
    args: ['--verison'],
    stderr: /^jsprobe: unknown option '--verison'\. Did you mean --version\?\n/,
    code: 2,
  },
  {
    name: 'usage: a program given without -e: no such file, and how to give it as text',
    args: ['fn:x.js:f { @n = count() }'],
    stderr: /^jsprobe: cannot read program file fn:x\.js:f \{ @n = count\(\) \}: ENOENT[^\n]*\(to give the program as text, use -e '…'\)\nusage:/,
    code: 2,
  },
  {
    name: 'usage: a program file that is not there, and no program\'s text: no -e hint',
    args: ['nofile.bt'],
    stderr: /^jsprobe: cannot read program file nofile\.bt: ENOENT[^\n]*'nofile\.bt'\nusage:/,
    code: 2,
  },
  { name: 'usage: a bad output format', args: ['-f', 'xml', '-e', 'BEGIN { exit() }'], stderr: /-f is text, json, folded or html, not 'xml'/, code: 2 },
  {
    name: 'usage: probes with nothing to trace',
    args: ['-e', `fn:${APP}:work { @x = count() }`],
    stderr: /need a program to trace: add -c 'node app\.js' or -p PID\n/,
    code: 2,
  },
  {
    name: 'a target that matches nothing names the nearest function',
    args: ['-e', `fn:${APP}:wrok { @x = count() }`, '-c', 'node x.js'],
    stderr: /^1:1: nothing matches test\/fixtures\/cli\/app\.cjs:wrok\. Did you mean test\/fixtures\/cli\/app\.cjs:work\?/,
    code: 2,
  },
  {
    name: 'a file that does not exist names the nearest file beside it',
    args: ['-e', 'fnret:test/fixtures/cli/ap.cjs:work { @x = count() }', '-c', 'node x.js'],
    stderr: /^1:1: no source files match test\/fixtures\/cli\/ap\.cjs .*\. Did you mean test\/fixtures\/cli\/app\.cjs:work\?/,
    code: 2,
  },
  {
    name: 'a nearby file is no suggestion when the rest of the target matches nothing there',
    args: ['-l', 'test/fixtures/cli/ap.cjs:nosuchfunction'],
    stderr: /^jsprobe: no source files match test\/fixtures\/cli\/ap\.cjs \(from [^)]*\)\n$/,
    code: 2,
  },
  {
    name: 'a misspelt export names the nearest',
    args: ['-e', 'fn:node:fs#readFle { @x = count() }', '-c', 'node x.js'],
    stderr: /^1:1: nothing matches node:fs#readFle\. Did you mean node:fs#readFile[,?]/,
    code: 2,
  },
  {
    name: 'an export target of the program\'s own module is checked without loading it in jsprobe (that would run its code)',
    args: ['--dry-run', '-e', 'fn:./test/fixtures/cli/loud-module.cjs#f { @x = count() }', '-c', 'node x.js'],
    stdout: /loud-module\.cjs; its exports are read when the program loads it/,
    code: 0,
  },
  {
    name: 'an export target of a module that does not resolve names the nearest',
    args: ['-e', 'fn:./test/fixtures/cli/no-such-module.cjs#f { @x = count() }', '-c', 'node x.js'],
    stderr: /^1:1: module '\.\/test\/fixtures\/cli\/no-such-module\.cjs' not found from /,
    code: 2,
  },
  {
    name: '-l with a misspelt name says what is near, and fails',
    args: ['-l', `${APP}:lineProbee`],
    stdout: '',
    stderr: /^jsprobe: nothing matches test\/fixtures\/cli\/app\.cjs:lineProbee\. Did you mean test\/fixtures\/cli\/app\.cjs:lineProbe\?\n$/,
    code: 2,
  },
  {
    name: '-o to a path that cannot be written: one line, before the program starts',
    args: run(`fn:${APP}:work { @x = count() }`, 'talk', '-o', '/no-such-dir-jsprobe/trace.txt'),
    stdout: '',
    stderr: /^jsprobe: -o \/no-such-dir-jsprobe\/trace\.txt: cannot write there \(ENOENT\)\n$/,
    code: 2,
  },
  {
    name: 'fnret: of a line says so in the words of the command',
    args: run(`fnret:${APP}:${lineOf('const id = user.id')} { @x = count() }`),
    stderr: new RegExp(`^1:1: ${APP.replace(/[./]/g, '\\$&')}:${lineOf('const id = user.id')} is a line, and a line has no return for fnret: to see; ` +
      `use line:${APP.replace(/[./]/g, '\\$&')}:${lineOf('const id = user.id')} \\{ … \\}`),
    code: 2,
  },
  { name: '--version', args: ['--version'], stdout: `${VERSION}\n`, code: 0 },
  {
    name: 'ustack(2): the program\'s frames at their original columns, and its Error.prepareStackTrace not run',
    args: ['-q', '-e', `fn:${STACK_APP}:inner { printf("%s", ustack(2)) } fn:${STACK_APP}:outer { @[stack] = count() }`, '-c', `node ${STACK_APP}`],
    stdout: new RegExp(`^\n {8}inner \\(/.*/stack\\.cjs:${stackAt(' return s.length')}\\)\n {8}outer \\(/.*/stack\\.cjs:${stackAt('inner(s);')}\\)\n` +
      `@\\[\n {8}outer \\(/.*/stack\\.cjs:${stackAt(' return 1 +')}\\)\n {8}<anonymous> \\(/.*/stack\\.cjs:${stackAt("outer('abc')")}\\)\n(.*\n)*\\]: 1\n\n$`),
    stderr: /^$/,
    code: 0,
  },
  {
    // tsx's load hook hands jsprobe the TypeScript and compiles the rewritten text: V8's positions are
    // in tsx's output (all on its line 1), and Node keeps tsx's map back to the rewritten text.
    name: 'ustack of a TypeScript module that tsx compiles after the rewrite: the frames at the .ts file\'s lines and columns',
    args: ['-q', '-e', `fn:${TSX_APP}:inner { @[ustack(3)] = count() }`, '-c', `node --import tsx ${TSX_APP}`],
    stdout: `@[\n        inner (${join(ROOT, TSX_APP)}:${tsxAt('function inner(p: Point): number {', true)})\n`
      + `        outer (${join(ROOT, TSX_APP)}:${tsxAt('inner(p) + 1')})\n        <anonymous> (${join(ROOT, TSX_APP)}:${tsxAt('outer(i)')})\n]: 3\n\n`,
    stderr: /^$/,
    code: 0,
  },
  ...(['node-test', 'fixed'] as const).map((mode): Case => ({
    name: `ustack where ${mode === 'fixed' ? 'Error.stackTraceLimit is non-configurable' : 'node:test is imported'}: the program's frames`,
    args: ['-q', '-e', `fn:${SETTINGS_APP}:inner { @[ustack(2)] = count() }`, '-c', `node ${SETTINGS_APP} ${mode}`],
    stdout: /^@\[\n {8}inner \(.*stack-settings\.mjs:\d+:\d+\)\n {8}outer \(.*stack-settings\.mjs:\d+:\d+\)\n\]: 1\n\n$/,
    stderr: /^$/,
    code: 0,
  })),
  {
    name: 'ustack where the program froze Error: empty, and said so',
    args: ['-q', '-e', `fn:${SETTINGS_APP}:inner { @[ustack(2)] = count() }`, '-c', `node ${SETTINGS_APP} frozen`],
    stdout: '@[]: 1\n\n',
    stderr: /^jsprobe: ustack is empty: the program made Error\.prepareStackTrace or Error\.stackTraceLimit a getter or froze it/,
    code: 0,
  },
  {
    name: 'kstack is an error (JavaScript has no kernel stack), and so is ustack(N) past its cap',
    args: run(`fn:${APP}:work { @k[kstack] = count(); @u[ustack(129)] = count() }`),
    stderr: /^1:\d+: kstack is the kernel's stack, and JavaScript has none[^\n]*\n.*\n *\^\n1:\d+: ustack\(N\) takes N, the frames to keep, from 1 to 128/,
    code: 2,
  },
  {
    name: 'a string in a numeric aggregation or a numeric printf conversion: a compile error where the program says so',
    args: run(`fn:${APP}:work { @h = hist(func); @s = sum(str(arg0)); printf("%d %s\\n", "x" + arg0, probe) }`),
    stderr: new RegExp('^1:\\d+: hist\\(\\) takes a number, and this is a string[^\\n]*\\n.*\\n *\\^\\n' +
      '1:\\d+: sum\\(\\) takes a number, and this is a string[^\\n]*\\n.*\\n *\\^\\n1:\\d+: %d takes a number, and this is a string; print it with %s\\n'),
    code: 2,
  },
  {
    name: 'a string that reaches a numeric aggregation or %d at run time: a fault, reported once, the rest goes on',
    args: run(`fn:${APP}:work { @n = count(); @h = hist(arg1) } fn:${APP}:lineProbe { printf("%d\\n", arg0.name) }`),
    stdout: '@n: 6\n\n',
    stderr: onceEach("hist\\(\\) takes a number, and got the string 'n1'", "%d takes a number, and got the string 'ada'"),
    code: 0,
  },
  {
    name: 'NaN in hist() and lhist() is no value: left out of the histogram, said once each, the handler goes on',
    args: ['-e', 'BEGIN { @h = hist(0/0); @h = hist(3); @h = hist(0/0); @l = lhist(0/0, 0, 10, 5); @l = lhist(3, 0, 10, 5); exit() }'],
    stdout: '@h:\n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\np50 3, p90 3, p99 3\n\n' +
      '@l:\n[0, 5)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\np50 3, p90 3, p99 3\n\n',
    stderr: new RegExp(`^${['hist', 'lhist'].map((a) => `jsprobe: ${a}\\(\\) takes a number, and got NaN: left out of the histogram \\(said once\\)\n`)
      .join('')}$`),
    code: 0,
  },
  {
    name: 'NaN in sum, avg, min, max and stats is no value either: left out of the map, first or later, said once each (it made them NaN for good)',
    args: ['-e', 'BEGIN { @s = sum(0/0); @s = sum(3); @a = avg(0/0); @a = avg(4); @a = avg(6); @m = min(0/0); @m = min(5); @M = max(0/0); @M = max(2); '
      + '@st = stats(3); @st = stats(0/0); @st = stats(7); @k[0/0] = sum(0/0); exit() }'],
    stdout: '@s: 3\n\n@a: 5\n\n@m: 5\n\n@M: 2\n\n@st: count 2, average 5, min 3, max 7, total 10, p50 3, p90 7, p99 7\n\n',
    stderr: new RegExp(`^${['sum', 'avg', 'min', 'max', 'stats']
      .map((a) => `jsprobe: ${a}\\(\\) takes a number, and got NaN: left out of the map \\(said once\\)\n`).join('')}$`),
    code: 0,
  },
  {
    name: 'stats, avg and sum of fractions print to 6 significant digits; of integers, as integers',
    args: run(`fnret:${APP}:work { @st = stats(arg0 / 7); @a = avg(arg0 / 7); @s = sum(arg0 / 7); @i = stats(arg0) }`),
    stdout: '@st: count 6, average 26.5714, min 0.142857, max 142.857, total 159.429, p50 0.428571, p90 142.857, p99 142.857\n\n'
      + '@a: 26.5714\n\n@s: 159.429\n\n@i: count 6, average 186, min 1, max 1000, total 1116, p50 3, p90 1000, p99 1000\n\n',
    code: 0,
  },
  {
    name: 'fn: on a generator fires at each call, iterated or not, with its arguments; fnret: at its completion',
    args: ['-q', '-e', `fn:${GEN}:g { @calls[arg0] = count() } fnret:${GEN}:g { @done = count() }`, '-c', `node ${GEN}`],
    stdout: '@calls[3]: 1\n@calls[2]: 1\n\n@done: 1\n\n',
    code: 0,
  },
  {
    name: 'a getter and a setter of one property: -l lists them apart, .get and .set, and the property\'s name still matches both',
    args: ['-l', `${GEN}:C.*`, '-c', `node ${GEN}`],
    stdout: new RegExp(`^fn:${GEN}:C\\.prototype\\.value\\.get  \\S+gen\\.cjs:7\nfn:${GEN}:C\\.prototype\\.value\\.set  \\S+gen\\.cjs:7\n$`),
    code: 0,
  },
  {
    name: 'a setter alone by its .set name, a getter by its short .get one, both by the property\'s name',
    args: ['-q', '-e', `fn:${GEN}:C.prototype.value { @all = count() } fn:${GEN}:C.prototype.value.set { @set[arg0] = count() } `
      + `fnret:${GEN}:C.value.get { @got[retval] = count() }`, '-c', `node ${GEN}`],
    stdout: '@all: 3\n\n@set[2]: 1\n@set[3]: 1\n\n@got[1]: 1\n\n',
    code: 0,
  },
  {
    name: 'a function expression by its own name (what its stack frames show) as by its variable\'s; close matches see both',
    args: ['-q', '-e', `fn:${GEN}:named { @own = count() } fn:${GEN}:h { @var = count() }`, '-c', `node ${GEN}`],
    stdout: '@own: 1\n\n@var: 1\n\n',
    code: 0,
  },
  {
    name: 'a misspelt function expression name: the close match offered is its own name',
    args: ['-e', `fn:${GEN}:nam { @ = count() }`, '-c', `node ${GEN}`],
    stderr: /nothing matches test\/fixtures\/cli\/gen\.cjs:nam\. Did you mean test\/fixtures\/cli\/gen\.cjs:named\?/,
    code: 2,
  },
  {
    name: 'printf rounds a tie to even and prints infinities as C does (a user trial: 1.3 Infinity -Infinity)',
    args: ['-e', 'BEGIN { printf("%.1f %f %e %5.1F|\\n", 1.25, 1/0, -1/0, 0/0); exit() }'],
    stdout: '1.2 inf -inf   NAN|\n',
    code: 0,
  },
  {
    name: '"Attaching N probes..." counts them after wildcard expansion, as bpftrace does: a pattern on 4 functions and a name on 2 accessors',
    args: ['-e', `fn:${GEN}:* { @ = count() } fnret:${GEN}:C.prototype.value { @r = count() }`, '-c', `node ${GEN}`],
    stdout: '@: 6\n\n@r: 3\n\n',
    stderr: /^Attaching 6 probes\.\.\.$/m,
    code: 0,
  },
  {
    name: 'a command that does not exist',
    args: ['-e', `fn:${APP}:work { @x = count() }`, '-c', 'no-such-command-here'],
    stderr: /cannot start no-such-command-here/,
    code: 2,
  },
];

for (const c of CASES) {
  test(c.name, () => {
    const r = jsprobe(c.args);
    const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, c.code, detail);
    if (typeof c.stdout === 'string') assert.equal(r.stdout, c.stdout, detail);
    else if (c.stdout !== undefined) assert.match(r.stdout, c.stdout, detail);
    if (c.json !== undefined) assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), c.json, detail);
    if (c.stderr !== undefined) assert.match(r.stderr, c.stderr, detail);
  });
}

test('-o FILE: the trace goes to the file, the program\'s output stays on stdout', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-out-')), 'trace.txt');
  const r = jsprobe(run(`fnret:${APP}:work /arg0 == 2/ { printf("two: %d\\n", retval) }`, 'talk', '-o', file));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'program output\n');
  assert.equal(readFileSync(file, 'utf8'), 'two: 1\n');
});

test('ustack through a module\'s own source map: frames name the original file, line and column', () => {
  // Compiled code as tsc would leave it, with an inline map: each line i comes from line i + 10 of
  // src/orig.ts, each token of it from the column 4 to its right.
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-mapped-'));
  const code = ['"use strict";', 'function inner(s) { return s.length; }', 'function outer(s) { return 1 + inner(s); }', "outer('abc');"];
  const lines: SourceMapSegment[][] = code.map((l, i) => [...l.matchAll(/[\w$]+|[^\s\w$]/g)].map((m) => [m.index, 0, i + 10, m.index + 4]));
  const map = { version: 3, sources: ['src/orig.ts'], names: [], mappings: encode(lines) };
  const file = join(dir, 'app.js');
  writeFileSync(file, `${code.join('\n')}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`);
  const r = jsprobe(['-q', '-e', `fn:${file}:inner { printf("%s", ustack(3)) }`, '-c', `node ${file}`]);
  assert.equal(r.code, 0, r.stderr);
  const at = (line: number, text: string) => `${join(dir, 'src/orig.ts')}:${line + 11}:${code[line].indexOf(text) + 5}`;
  assert.equal(r.stdout, `\n        inner (${at(1, '{ return s')})\n        outer (${at(2, 'inner(s);')})\n        <anonymous> (${at(3, "outer('abc')")})\n`);
});
