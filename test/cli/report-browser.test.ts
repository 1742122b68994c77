// The report page of a real traced program, opened in a real headless Chromium: every map's
// chart is drawn with its bars, percentiles, flame graph frames and timeline; a click zooms the
// flame graph; nothing logs an error, nothing is requested but the page itself, and strings from
// the program stay text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openPage } from './chromium.js';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/report-app.cjs';
const IMG = '<img src=x onerror=window.__pwned=1>';
const SCRIPT = '</script><script>window.__pwned=2</script>';
const PROGRAM = `fnret:${APP}:handle { @us = hist(arg0); @lin = lhist(arg0 % 100, 0, 100, 10); @st = stats(arg0); @byKey[arg0 % 60] = count();
  @evil['${IMG}'] = count() }
fn:${APP}:leaf { @[ustack(3)] = count() }
interval:ms:20 { print(@byKey) }
END { printf("%s\\n", "${SCRIPT}") }`;

test('the report page renders every map in Chromium, zooms its flame graph, and loads nothing', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-report-')), 'report.html');
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${APP}`, '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  const { page, problems, requests, close } = await openPage(file);
  try {
    const count = (map: string, selector: string) => page.$$eval(`section[data-map="${map}"] ${selector}`, (es) => es.length);
    assert.deepEqual(await page.$$eval('section.map', (es) => es.map((e) => [e.getAttribute('data-map'), e.getAttribute('data-kind')])), [
      ['@byKey', 'bars'], ['@us', 'hist'], ['@lin', 'hist'], ['@st', 'stats'], ['@evil', 'bars'], ['@', 'flame'],
    ]);
    assert.equal(await page.$eval('body', (b) => b.getAttribute('data-rendered')), '6');

    // hist(i) for i = 0..399: [0, 1), [1, 2), [2, 4) … [256, 512); lhist of i % 100: ten buckets of 10.
    assert.equal(await count('@us', 'rect.bar'), 10);
    assert.equal(await count('@lin', 'rect.bar'), 10);
    for (const map of ['@us', '@lin']) {
      assert.equal(await count(map, 'line.pmark'), 3, map);
      const text = await page.$eval(`section[data-map="${map}"] p.percentiles`, (e) => e.textContent ?? '');
      const m = /^p50 (\d+), p90 (\d+), p99 (\d+)$/.exec(text);
      assert.ok(m !== null, text);
      const [p50, p90, p99] = m.slice(1).map(Number);
      if (map === '@us') assert.ok(p50 >= 195 && p50 <= 205 && p90 >= 355 && p90 <= 365 && p99 >= 390 && p99 <= 399, text);
      else assert.ok(p50 >= 45 && p50 <= 55 && p90 >= 85 && p90 <= 95 && p99 >= 95 && p99 <= 99, text);
    }
    assert.equal(await count('@st', 'rect.bar'), 6);

    // 60 keys: the 40 largest drawn, the rest counted; the interval's prints as a timeline.
    assert.equal(await count('@byKey', 'svg.bars rect.bar'), 40);
    assert.match(await page.$eval('section[data-map="@byKey"] p.more', (e) => e.textContent ?? ''), /and 20 more keys/);
    assert.equal(await count('@byKey', 'svg.timeline polyline.series'), 8);
    assert.ok(await count('@byKey', 'svg.timeline circle.point') >= 16);

    // The flame graph: a frame for every prefix of every stack in the page's data, and `all`.
    const prefixes = await page.$eval('#jsprobe-data', (e) => {
      const data = JSON.parse(e.textContent ?? '') as { maps: { name: string; chart: { stacks: [string[], number][] } }[] };
      const seen = new Set<string>();
      for (const [frames] of data.maps.find((m) => m.name === '@')!.chart.stacks) frames.forEach((_, i) => seen.add(JSON.stringify(frames.slice(0, i + 1))));
      return seen.size;
    });
    assert.ok(prefixes >= 4, `${prefixes}`); // handle, viaA, viaB, leaf at least
    const flame = 'section[data-map="@"]';
    assert.equal(await count('@', 'rect.frame'), prefixes + 1);
    assert.equal(await page.$eval(`${flame} svg.flame`, (s) => s.getAttribute('data-zoom')), 'all');
    const target = await page.$(`${flame} rect.frame[data-name^="viaA "]`);
    assert.ok(target !== null);
    const before = Number(await target.evaluate((e) => e.getAttribute('width')));
    assert.ok(before < 900, `${before}`);
    await target.click();
    const zoomed = await page.$eval(`${flame} svg.flame`, (s) => s.getAttribute('data-zoom') ?? '');
    assert.match(zoomed, /^viaA /);
    assert.ok(Number(await page.$eval(`${flame} rect.frame[data-name^="viaA "]`, (e) => e.getAttribute('width'))) > 950);
    assert.ok(await count('@', 'rect.frame') < prefixes + 1);
    assert.ok(await count('@', 'rect.frame.above') >= 2); // all and handle, below the focus
    await (await page.$(`${flame} rect.frame[data-name="all"]`))!.click();
    assert.equal(await page.$eval(`${flame} svg.flame`, (s) => s.getAttribute('data-zoom')), 'all');
    assert.equal(await count('@', 'rect.frame'), prefixes + 1);

    // The program's strings are text: no element, no script ran.
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.$$eval('img', (es) => es.length), 0);
    assert.equal(await page.$$eval('script', (es) => es.length), 2);
    assert.ok((await page.$eval('section[data-map="@evil"] svg title', (e) => e.textContent)) === IMG);
    assert.ok((await page.$eval('section.log pre', (e) => e.textContent ?? '')).includes(SCRIPT));

    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(file).href]);
  } finally {
    await close();
  }
});
