// The verbs (jsprobe watch, monitor, stuck), end to end: each case runs the real command on
// test/fixtures/cli/verbs.cjs and checks what it printed; one case attaches to a running service.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsprobe, ROOT } from './run.js';
import { fetchText, load, node, startService, stderrMatch, jsprobe as spawnJsprobe } from '../attach/procs.js';

const APP = 'test/fixtures/cli/verbs.cjs';
const verb = (name: string, target: string, mode: string, ...more: string[]): string[] => [
  name, `${APP}:${target}`, '-q', ...more, '-c', `node ${APP} ${mode}`,
];

/** A watch line without what changes from run to run: the time, the pid and the elapsed time. */
function watchLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => / lookup\(/.test(l)).map((l) => {
    const m = /^\d\d:\d\d:\d\d\.\d{3} pid \d+ tid 0 ctx 0 (.*) \d+\.\d{3} ms$/.exec(l);
    assert.ok(m !== null, `a watch line: ${l}`);
    return m[1];
  });
}

const deep = (id: number): string => `lookup(${id}, { tags: { deep: { deeper: [Array] } } })`;
const ret = (id: number): string => `= { id: ${id}, name: 'item${id}', tags: { deep: { deeper: [Array] } } }`;

interface WatchCase {
  name: string;
  more: string[];
  lines: string[];
}

const WATCH: WatchCase[] = [
  { name: '-n 3: the first three calls, then the probes come off', more: ['-n', '3'], lines: [1, 2, 3].map((i) => `${deep(i)} ${ret(i)}`) },
  {
    name: '-n 5: a call that threw shows its error',
    more: ['-n', '5'],
    lines: [`${deep(1)} ${ret(1)}`, `${deep(2)} ${ret(2)}`, `${deep(3)} ${ret(3)}`, `${deep(4)} threw [Error: no item 4]`, `${deep(5)} ${ret(5)}`],
  },
  {
    name: '-n past the calls made: every call',
    more: ['-n', '100'],
    lines: [1, 2, 3, 4, 5, 6].map((i) => (i === 4 ? `${deep(4)} threw [Error: no item 4]` : `${deep(i)} ${ret(i)}`)),
  },
  {
    name: '--where picks the calls, -n counts only those',
    more: ['--where', 'arg0 % 2 == 1', '-n', '2'],
    lines: [`${deep(1)} ${ret(1)}`, `${deep(3)} ${ret(3)}`],
  },
  {
    name: '-x 0: only the top level of each argument and of the return value',
    more: ['-x', '0', '-n', '1'],
    lines: ["lookup(1, { tags: [Object] }) = { id: 1, name: 'item1', tags: [Object] }"],
  },
  {
    name: '-x 4: deeper',
    more: ['-x', '4', '-n', '1'],
    lines: ["lookup(1, { tags: { deep: { deeper: [ 1 ] } } }) = { id: 1, name: 'item1', tags: { deep: { deeper: [ 1 ] } } }"],
  },
];

for (const c of WATCH) {
  test(`watch ${c.name}`, () => {
    const r = jsprobe(verb('watch', 'lookup', 'watch', ...c.more));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(watchLines(r.stdout), c.lines);
    // The program ran to its end, after the probes came off.
    assert.match(r.stdout, /^program: 6 lookups done$/m);
    assert.equal(r.stderr, '');
  });
}

test('detach() takes the probes off: calls after it are not seen, and the program runs to its end', () => {
  const r = jsprobe(['-q', '-e', `fnret:${APP}:lookup { @n = count(); if (@n == 2) { detach() } }`, '-c', `node ${APP} watch`]);
  assert.equal(r.code, 0, r.stderr);
  // Without detach() the count would be 6.
  assert.match(r.stdout, /^@n: 2$/m);
  assert.match(r.stdout, /^program: 6 lookups done$/m);
});

test('watch -f json: one printf object per call', () => {
  const r = jsprobe([...verb('watch', 'lookup', 'watch', '-n', '2', '-x', '0'), '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const objects = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; data: unknown });
  assert.deepEqual(objects.map((o) => o.type), ['printf', 'printf', 'map']);
  assert.deepEqual(objects[2].data, { '@watched': 2 });
  const line = /^\d\d:\d\d:\d\d\.\d{3} pid \d+ tid 0 ctx 0 lookup\(2, \{ tags: \[Object\] \}\) = \{ id: 2, name: 'item2', tags: \[Object\] \} [0-9.]+ ms\n$/;
  assert.match(objects[1].data as string, line);
});

interface UsageCase {
  name: string;
  args: string[];
  stderr: RegExp;
}

const USAGE: UsageCase[] = [
  { name: 'watch with no target', args: ['watch', '-c', 'node x.js'], stderr: /jsprobe watch needs a target/ },
  { name: 'watch -n 0', args: ['watch', 'a.js:f', '-n', '0', '-c', 'node a.js'], stderr: /watch -n takes a whole number from 1/ },
  { name: 'watch -x 10', args: ['watch', 'a.js:f', '-x', '10', '-c', 'node a.js'], stderr: /watch -x takes a whole number from 0 to 9/ },
  { name: 'watch with -e', args: ['watch', 'a.js:f', '-e', 'BEGIN {}'], stderr: /makes its own program: -e goes without a verb/ },
  { name: 'watch with two targets', args: ['watch', 'a.js:f', 'a.js:g', '-c', 'node a.js'], stderr: /takes one target; got a.js:f and a.js:g/ },
  { name: 'watch with a probe as target', args: ['watch', 'fn:a.js:f', '-c', 'node a.js'], stderr: /takes a function target such as/ },
  { name: 'monitor -i 0', args: ['monitor', 'a.js:f', '-i', '0', '-c', 'node a.js'], stderr: /monitor -i takes a number of seconds/ },
  { name: 'trace of a pattern', args: ['trace', `${APP}:*`, '-c', 'node a.js'], stderr: /trace follows one function, and .* matches \d+:/ },
  { name: 'trace of an export', args: ['trace', 'node:fs#readFileSync', '-c', 'node a.js'], stderr: /trace takes a function in a file/ },
  {
    name: 'watch of a function that does not exist: the close match, no position in a program the user never wrote',
    args: ['watch', `${APP}:lookpu`, '-c', `node ${APP}`],
    stderr: new RegExp(`^jsprobe watch: nothing matches ${APP}:lookpu\\. Did you mean ${APP}:lookup\\?\n$`),
  },
  {
    name: 'watch with neither -c nor -p: both are said',
    args: ['watch', `${APP}:lookup`],
    stderr: /^jsprobe: jsprobe watch needs a program to trace: add -c 'node app\.js' or -p PID\n/,
  },
  { name: 'a misspelt verb with its target', args: ['trcae', 'a.js:f', '-c', 'node a.js'], stderr: /^jsprobe: unknown verb 'trcae'\. Did you mean trace\?\n/ },
  {
    name: 'a misspelt verb alone, no such program file',
    args: ['stcuk', '-c', 'node a.js'],
    stderr: /^jsprobe: unknown verb 'stcuk', and no program file of that name \(ENOENT[^\n]*\)\. Did you mean stuck\?\n/,
  },
  { name: 'stuck --older soon', args: ['stuck', 'a.js:f', '--older', 'soon', '-c', 'node a.js'], stderr: /stuck --older takes a duration such as 500ms/ },
  {
    name: 'watch with a misspelt option of its own: the option near it, not "takes one target"',
    args: ['watch', 'a.js:f', '--wher', 'arg0 > 1', '-c', 'node a.js'],
    stderr: /^jsprobe: unknown option '--wher'\. Did you mean --where EXPR\?\n/,
  },
  // A fault in the user's --where is said of --where and positioned in its text, not in the
  // program the verb made of it (where it was "found ')'", a parenthesis the user never typed).
  {
    name: 'watch --where cut short: positioned at the end of the text given',
    args: ['watch', `${APP}:lookup`, '--where', 'elapsed >', '-c', `node ${APP}`],
    stderr: /^jsprobe watch: in --where, 1:10: the expression ends before it is complete\nelapsed >\n {9}\^\n$/,
  },
  {
    name: 'watch --where with an unknown name: the compiler\'s error, positioned in the text given',
    args: ['watch', `${APP}:lookup`, '--where', 'arg0 > 1 && elapsd > 1', '-c', `node ${APP}`],
    stderr: /^jsprobe watch: in --where, 1:13: unknown name 'elapsd'; did you mean elapsed\?[^\n]*\narg0 > 1 && elapsd > 1\n {12}\^\n$/,
  },
  {
    name: 'watch --where that would close the verb\'s parenthesis: one expression or an error',
    args: ['watch', `${APP}:lookup`, '--where', 'arg0) || (1', '-c', `node ${APP}`],
    stderr: /^jsprobe watch: in --where, 1:5: expected the end of the expression, found '\)'\narg0\) \|\| \(1\n {4}\^\n$/,
  },
];

for (const c of USAGE) {
  test(`usage: ${c.name} is exit 2`, () => {
    const r = jsprobe(c.args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, c.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--dry-run shows the program a verb runs', () => {
  const r = jsprobe(['watch', `${APP}:lookup`, '-n', '3', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^jsprobe watch runs this program:\nfnret:test\/fixtures\/cli\/verbs.cjs:lookup \/@watched < 3\/ \{\n/);
  assert.match(r.stdout, /if \(@watched == 3\) \{ detach\(\) \}/);
  assert.match(r.stdout, /would attach 1 probe/);
});

test('watch --where ending in a // comment: the comment stays out of the program', () => {
  const r = jsprobe(['watch', `${APP}:lookup`, '--where', 'arg0 % 2 == 1 // the odd ones', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fnret:test\/fixtures\/cli\/verbs.cjs:lookup \/\(arg0 % 2 == 1\)\/ \{$/m);
});

/** The monitor tables' rows for `func`, as [calls, failures]. */
function monitorRows(stdout: string, func: string): number[][] {
  const rows = stdout.split('\n').filter((l) => l.startsWith(`${func} `));
  return rows.map((l) => l.trim().split(/\s+/).slice(1, 3).map(Number));
}

test('monitor: the rows of every interval add up to the calls made, and their failures', () => {
  const r = jsprobe(verb('monitor', 'op', 'monitor', '-i', '0.05'));
  assert.equal(r.code, 0, r.stderr);
  const rows = monitorRows(r.stdout, 'op');
  assert.ok(rows.length >= 1, r.stdout);
  // 60 calls, 3 ms apart: each of 0, 7, …, 56 threw.
  assert.equal(rows.reduce((s, row) => s + row[0], 0), 60, r.stdout);
  assert.equal(rows.reduce((s, row) => s + row[1], 0), 9, r.stdout);
  assert.match(r.stdout, /^ +calls +failures +avg_ms +p50_ms +p99_ms +max_ms$/m);
  // Every table is cleared after it prints: nothing is left to print as maps at the end.
  assert.doesNotMatch(r.stdout, /^@/m);
});

test('monitor -f json: table objects whose calls add up', () => {
  const r = jsprobe([...verb('monitor', 'op', 'monitor', '-i', '0.05'), '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const tables = r.stdout.split('\n').filter((l) => l.startsWith('{"type":"table"'))
    .map((l) => (JSON.parse(l) as { data: { columns: string[]; rows: { key: string; values: number[] }[] } }).data);
  assert.deepEqual(tables[0].columns, ['calls', 'failures', 'avg_ms', 'p50_ms', 'p99_ms', 'max_ms']);
  const calls = tables.flatMap((t) => t.rows.map((row) => row.values[0]));
  assert.equal(calls.reduce((s, n) => s + n, 0), 60);
});

interface StuckCase {
  name: string;
  /** fetchItem unless said. */
  target?: string;
  more: string[];
  heading: RegExp;
  calls: string[];
}

const STUCK: StuckCase[] = [
  {
    name: 'the calls that never settled, with their arguments',
    more: [],
    heading: /^\d\d:\d\d:\d\d 2 calls in flight, oldest first$/m,
    calls: ["fetchItem('never-1', { ms: -1 })  async: awaiting its promise", 'fetchItem("never-2\'s", { ms: -1 })  async: awaiting its promise'],
  },
  { name: '--older leaves out the younger ones', more: ['--older', '10m'], heading: /^\d\d:\d\d:\d\d no calls in flight for 600000 ms or more$/m, calls: [] },
  {
    name: 'a pattern: each call named by its function',
    target: 'fetch*',
    more: [],
    heading: /^\d\d:\d\d:\d\d 2 calls in flight, oldest first$/m,
    calls: ["fetchItem('never-1', { ms: -1 })  async: awaiting its promise", 'fetchItem("never-2\'s", { ms: -1 })  async: awaiting its promise'],
  },
];

for (const c of STUCK) {
  test(`stuck: ${c.name}`, () => {
    const r = jsprobe(verb('stuck', c.target ?? 'fetchItem', 'stuck', ...c.more));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, c.heading);
    const calls = r.stdout.split('\n').filter((l) => /^ +\d+ ms {2}/.test(l)).map((l) => l.replace(/^ +\d+ ms {2}/, ''));
    assert.deepEqual(calls, c.calls);
    // The three that settled are the stats' count.
    assert.match(r.stdout, /^@settled_ms\[fetchItem\]: count 3,/m);
  });
}

test('stuck -i: the call in flight is listed every interval, older each time, and at the end', () => {
  const r = jsprobe(verb('stuck', 'fetchItem', 'stuck-long', '-i', '0.1'));
  assert.equal(r.code, 0, r.stderr);
  const headings = r.stdout.match(/^\d\d:\d\d:\d\d 1 call in flight$/gm) ?? [];
  // 400 ms at 100 ms intervals: a few listings (fewer on a loaded machine), then the one at the end.
  assert.ok(headings.length >= 2, r.stdout);
  const ages = [...r.stdout.matchAll(/^ +(\d+) ms {2}fetchItem\('forever', \{ ms: -1 \}\) {2}async: awaiting its promise$/gm)].map((m) => Number(m[1]));
  assert.equal(ages.length, headings.length, r.stdout);
  for (let i = 1; i < ages.length; i++) assert.ok(ages[i] >= ages[i - 1], `ages ${ages.join(', ')}`);
  assert.ok(ages[ages.length - 1] >= 300, `ages ${ages.join(', ')}`);
});

test('stuck -f json: one pending object with the calls and their arguments', () => {
  const r = jsprobe([...verb('stuck', 'fetchItem', 'stuck'), '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const pending = r.stdout.split('\n').filter((l) => l.startsWith('{"type":"pending"')).map((l) => JSON.parse(l) as { data: { calls: { args: unknown[] }[] } });
  assert.equal(pending.length, 1);
  assert.deepEqual(pending[0].data.calls.map((c) => c.args), [['never-1', { ms: -1 }], ["never-2's", { ms: -1 }]]);
});

/** trace's table, text: the label of each row and its numbers. */
function traceRows(stdout: string): { label: string; total: number; avg: number }[] {
  return stdout.split('\n').slice(1).filter((l) => l !== '').map((l) => {
    const m = /^(.*?)\s+([0-9.e+-]+)\s+([0-9.e+-]+)\s+[0-9.e+-]+\s+[0-9.e+-]+\s+[0-9.e+-]+$/.exec(l);
    assert.ok(m !== null, `a trace row: ${l}`);
    return { label: m[1], total: Number(m[2]), avg: Number(m[3]) };
  });
}

test('trace: the time of a known sleep goes to its line; lines without a call are self', () => {
  const r = jsprobe(verb('trace', 'checkout', 'trace'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ +total_ms +avg_ms +p50_ms +p99_ms +max_ms$/m);
  const rows = traceRows(r.stdout);
  const line = (text: string): number => readFileSync(join(ROOT, APP), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
  // A line is labelled as written: the `if` whose block makes a call, not the call's statement inside it.
  const labels = [
    'whole call', 'self', `${line('if (!id)')}: if (!id) { const e = new Error('no id'); throw e; }`,
    `${line('price(id);')}: const total = price(id);`, `${line('await sleep(60);')}: await sleep(60);`,
  ];
  assert.deepEqual(rows.map((row) => row.label), labels);
  const sleep = rows[4];
  // A timer fires at most a millisecond early; a late one only adds to the sleep's line.
  assert.ok(sleep.avg >= 59, `the sleep's line took ${sleep.avg} ms a call`);
  for (const row of rows.slice(1, 4)) assert.ok(row.total < sleep.total, `${row.label}: ${row.total} ms, the sleep ${sleep.total} ms`);
  // Each line's time ends where the next begins, inside the call: no time counts twice (a sleep
  // counted twice would add 60 ms a call; the bound leaves room for the handlers' own time).
  const parts = rows.slice(1).reduce((sum, row) => sum + row.total, 0);
  assert.ok(parts <= rows[0].total + 30 && parts >= 3 * 59, `lines ${parts} ms, calls ${rows[0].total} ms`);
});

test('trace of a function that is never called says so, not an empty table', () => {
  // 'watch' mode calls lookup, never checkout.
  const r = jsprobe(verb('trace', 'checkout', 'watch'));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`no call of ${APP}:checkout returned while it was traced\n`), r.stdout);
  assert.doesNotMatch(r.stdout, /total_ms|@calls/);
});

test('watch -n 2 -p: two calls of a running service, then jsprobe detaches and the service is as it was', async () => {
  const svc = await startService(node());
  try {
    const original = await fetchText(svc.port, '/source');
    const cli = spawnJsprobe(['watch', 'test/fixtures/attach/server.cjs:handle', '-n', '2', '-x', '0', '-p', String(svc.pid)]);
    // Requests once attached (a request in flight at the attach is suspended in handle(), and an
    // async function with calls suspended cannot be patched live), until jsprobe ends by itself,
    // after the second call.
    await stderrMatch(cli, /Attached to/);
    const stop = load(svc.port, svc.pid);
    const { code, out, err } = await cli.done;
    await stop();
    assert.equal(code, 0, err);
    const lines = out.split('\n').filter((l) => / handle\(/.test(l));
    assert.equal(lines.length, 2, out);
    assert.match(out, /^@watched: 2$/m);
    const call = /^\d\d:\d\d:\d\d\.\d{3} pid \d+ tid 0 ctx \d+ handle\(IncomingMessage \{.*\}\) = ok [0-9.]+ ms$/;
    for (const l of lines) assert.match(l, call);
    // The handler is put back once the calls that were in it when the probe came off have ended
    // (their grace period): the bound only stops a test that would hang.
    const end = Date.now() + 30_000;
    let source = await fetchText(svc.port, '/source');
    while (source !== original && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 25));
      source = await fetchText(svc.port, '/source');
    }
    assert.equal(source, original);
  } finally {
    svc.child.kill();
  }
});
