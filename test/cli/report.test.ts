// The report page without a browser: which options make it, what report-data.ts keeps of a trace
// (each chart's kind, and the bounds), that the program's strings cannot become markup, and the
// page end to end from a real traced program. report-browser.test.ts opens it in Chromium.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, splitCommand } from '../../src/cli/args.js';
import { LOG_LINES, MAX_SNAPSHOTS, ReportCollector, TOP_BARS, type ReportMap } from '../../src/cli/report-data.js';
import { inlineJson, reportPage } from '../../src/cli/report.js';
import { jsprobe, ROOT } from './run.js';

const noFile = () => '';

test('-o FILE.html makes the report, unless -f says otherwise; -f html makes it anywhere', () => {
  const html = parseArgs(['-e', 'BEGIN {}', '-o', 'out/Report.HTML'], noFile);
  assert.equal(html.report, true);
  assert.equal(html.format, 'json');
  assert.equal(parseArgs(['-e', 'BEGIN {}', '-o', 'r.htm'], noFile).report, true);
  const text = parseArgs(['-e', 'BEGIN {}', '-o', 'r.html', '-f', 'text'], noFile);
  assert.equal(text.report, false);
  assert.equal(text.format, 'text');
  assert.equal(parseArgs(['-e', 'BEGIN {}', '-o', 'r.txt'], noFile).report, false);
  const stdout = parseArgs(['-f', 'html', '-e', 'BEGIN {}'], noFile);
  assert.equal(stdout.report, true);
  assert.equal(stdout.format, 'json');
});

function collect(lines: object[], now?: () => number): ReportMap[] {
  const c = new ReportCollector(now);
  const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  // Cut anywhere: the lines must come back whole.
  for (let i = 0; i < text.length; i += 7) c.write(text.slice(i, i + 7));
  return c.data().maps;
}

test('each map becomes the chart its kind and keys call for', () => {
  const stack = (...frames: string[]) => `\n${frames.map((f) => `        ${f}\n`).join('')}`;
  const maps = collect([
    { type: 'map', data: { '@n': 3 } },
    { type: 'map', data: { '@by': { a: 1, b: 5, c: 2 } } },
    { type: 'map', data: { '@v': { k: 'text' } } },
    {
      type: 'hist', data: { '@h': [{ min: 1, max: 2, count: 1 }, { min: 4, max: 8, count: 2 }] },
      percentiles: { '@h': { p50: 5, p90: 7, p99: 7, clamped: 3 } },
    },
    { type: 'stats', data: { '@s': { count: 2, average: 1, min: 0, max: 2, total: 2, p50: 0, p90: 2, p99: 2 } } },
    { type: 'stats', data: { '@sk': { x: { count: 1, average: 1, min: 1, max: 1, total: 1, p50: 1, p90: 1, p99: 1 } } } },
    { type: 'map', data: { '@f': { [stack('leaf (a.js:1:1)', 'main (a.js:9:1)')]: 4, [stack('main (a.js:9:1)')]: 1 } } },
  ]);
  assert.deepEqual(maps.map((m) => [m.name, m.chart.kind]), [
    ['@n', 'bars'], ['@by', 'bars'], ['@v', 'table'], ['@h', 'hist'], ['@s', 'stats'], ['@sk', 'stats'], ['@f', 'flame'],
  ]);
  const by = maps[1].chart;
  assert.ok(by.kind === 'bars');
  assert.deepEqual(by.rows, [['b', 5], ['c', 2], ['a', 1]]);
  const h = maps[3].chart;
  assert.ok(h.kind === 'hist');
  assert.deepEqual(h.hists[0].percentiles, { p50: 5, p90: 7, p99: 7, clamped: 3 });
  const f = maps[6].chart;
  assert.ok(f.kind === 'flame');
  // Root first, the heaviest stack first.
  assert.deepEqual(f.stacks, [[['main (a.js:9:1)', 'leaf (a.js:1:1)'], 4], [['main (a.js:9:1)'], 1]]);
});

test('the page keeps bounded data: the top bars, every other print past the timeline bound, the last log lines', () => {
  const keys = Object.fromEntries(Array.from({ length: TOP_BARS + 10 }, (_, i) => [`k${i}`, i]));
  let t = 0;
  const prints = Array.from({ length: MAX_SNAPSHOTS * 3 }, (_, i) => ({ type: 'map', data: { '@tick': i } }));
  const c = new ReportCollector(() => (t += 1000));
  c.write(`${JSON.stringify({ type: 'map', data: { '@keys': keys } })}\n`);
  for (const p of prints) c.write(`${JSON.stringify(p)}\n`);
  for (let i = 0; i < LOG_LINES + 5; i++) c.write(`${JSON.stringify({ type: 'printf', data: `line ${i}\n` })}\n`);
  c.write('not json\n');
  const d = c.data();
  const bars = d.maps[0].chart;
  assert.ok(bars.kind === 'bars');
  assert.equal(bars.rows.length, TOP_BARS);
  assert.deepEqual(bars.rows[0], [`k${TOP_BARS + 9}`, TOP_BARS + 9]);
  assert.equal(bars.more, 10);
  assert.equal(bars.moreTotal, 45); // k0..k9
  const tick = d.maps[1];
  assert.equal(tick.prints, MAX_SNAPSHOTS * 3);
  assert.ok(tick.timeline.length <= MAX_SNAPSHOTS && tick.timeline.length >= MAX_SNAPSHOTS / 2, `${tick.timeline.length}`);
  // The last print is kept, and the first seconds still are: the span stays whole.
  assert.deepEqual(tick.timeline.at(-1)!.values, { '@tick': MAX_SNAPSHOTS * 3 - 1 });
  assert.ok(tick.timeline[0].t < 10, `${tick.timeline[0].t}`);
  assert.equal(d.log.length, LOG_LINES);
  assert.equal(d.log[0], 'line 5');
  assert.equal(d.logDropped, 5);
  assert.equal(d.unreadable, 1);
});

test('the counts of strings cut and not read are the report\'s, not unreadable lines', () => {
  const c = new ReportCollector();
  c.write(`${JSON.stringify({ type: 'strings_cut', data: { count: 3, max_strlen: 4096 } })}\n` +
    `${JSON.stringify({ type: 'strings_unread', data: { count: 2, max_chars: 262144, max_strlen: 4096 } })}\n`);
  const d = c.data();
  assert.deepEqual([d.stringsCut, d.stringsUnread, d.unreadable], [3, 2, 0]);
});

const EVIL = '</script><script>window.__pwned=1</script><!--';

test('the program\'s strings cannot end the data block or open markup', () => {
  assert.equal(inlineJson({ k: EVIL }).includes('<'), false);
  assert.deepEqual(JSON.parse(inlineJson({ k: EVIL, s: '\u2028' })), { k: EVIL, s: '\u2028' });
  const c = new ReportCollector();
  c.write(`${JSON.stringify({ type: 'map', data: { '@m': { [EVIL]: 1 } } })}\n${JSON.stringify({ type: 'printf', data: `${EVIL}\n` })}\n`);
  const page = reportPage(c.data(), { program: `BEGIN { printf("${EVIL}") }`, version: '0' }, new Date(0), new Date(1000));
  // The page's own two scripts, and nothing the data brought.
  assert.equal(page.match(/<script/g)?.length, 2);
  assert.equal(page.includes('__pwned'), true);
  assert.equal(page.includes('<script>window.__pwned'), false);
  assert.equal(page.match(/<\/script>/g)?.length, 2);
});

test('jsprobe -o FILE.html writes one page with every map, however the program ends; -f html writes it to stdout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-report-'));
  const file = join(dir, 'report.html');
  const app = 'test/fixtures/cli/app.cjs';
  const r = jsprobe(['-q', '-e', `fnret:${app}:work { @calls[arg1] = count(); @us = hist(arg0) }`, '-c', `node ${app} crash`, '-o', file]);
  assert.equal(r.code, 1, r.stderr); // the program's own exit code: it threw
  assert.equal(r.stdout, '');
  const page = readFileSync(file, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /"name":"@calls","chart":\{"kind":"bars","rows":\[\["before",1\]\]/);
  assert.match(page, /"name":"@us","chart":\{"kind":"hist"/);
  const out = jsprobe(['-q', '-f', 'html', '-e', 'BEGIN { @x = 1; exit() }']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^<!doctype html>[^]*"name":"@x"[^]*<\/html>\n$/);
  const bad = jsprobe(['-e', 'BEGIN { exit() }', '-o', join(dir, 'no/such/dir/r.html')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-o .*r\.html: cannot write there \(ENOENT\)/);
});

test('the README\'s report one-liner writes a page with its maps, a flame graph and a timeline', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('<!-- report one-liner'));
  const line = block.split('\n').find((l) => l.startsWith('jsprobe '));
  assert.ok(line !== undefined && line.endsWith(' -o report.html'), line);
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-report-')), 'report.html');
  const r = jsprobe(['-q', ...splitCommand(line).slice(1, -1), file]);
  assert.equal(r.code, 0, r.stderr);
  const data = /<script type="application\/json" id="jsprobe-data">(.*)<\/script>/.exec(readFileSync(file, 'utf8'));
  assert.ok(data !== null);
  const maps = (JSON.parse(data[1]) as { maps: ReportMap[] }).maps;
  assert.deepEqual(maps.map((m) => [m.name, m.chart.kind]), [['@us', 'hist'], ['@', 'flame']]);
  assert.ok(maps[0].timeline.length >= 2, `${maps[0].timeline.length}`);
});
