// The report page's rows of a hist or lhist say the same buckets as the text format, read from the
// page jsprobe writes: its own script run over its own data, in a document made of plain objects
// (no browser: report-browser.test.ts draws it in Chromium where there is one).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { jsprobe } from './run.js';

class Node {
  readonly children: Node[] = [];
  readonly attrs = new Map<string, string>();
  readonly style: Record<string, string> = {};
  readonly classList = { add: (c: string) => this.attrs.set('class', `${this.attrs.get('class') ?? ''} ${c}`.trim()) };
  textContent = '';
  constructor(readonly tag: string) {}
  get firstChild(): Node | null {
    return this.children[0] ?? null;
  }
  appendChild(n: Node): Node {
    this.children.push(n);
    return n;
  }
  removeChild(n: Node): Node {
    this.children.splice(this.children.indexOf(n), 1);
    return n;
  }
  setAttribute(k: string, v: unknown): void {
    this.attrs.set(k, String(v));
  }
  getAttribute(k: string): string | null {
    return this.attrs.get(k) ?? null;
  }
  addEventListener(): void {}
  all(): Node[] {
    return [this, ...this.children.flatMap((c) => c.all())];
  }
}

/** The labels of the bar rows the page draws for each map: map name → labels, top to bottom. */
function pageRows(file: string): Map<string, string[]> {
  const page = readFileSync(file, 'utf8');
  const data = /<script type="application\/json" id="jsprobe-data">([\s\S]*?)<\/script>/.exec(page)![1];
  const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1];
  const main = new Node('main');
  const body = new Node('body');
  const header = new Node('header');
  const json = Object.assign(new Node('script'), { textContent: data });
  const document = {
    body,
    getElementById: (id: string) => (id === 'jsprobe-data' ? json : null),
    querySelector: (s: string) => (s === 'main' ? main : s === 'header' ? header : null),
    createElement: (tag: string) => new Node(tag),
    createElementNS: (_ns: string, tag: string) => new Node(tag),
  };
  runInNewContext(script, { document, window: {}, JSON, Math, Number, String, Object, Array });
  const out = new Map<string, string[]>();
  for (const sec of main.children) {
    const name = sec.getAttribute('data-map');
    if (name === null) continue;
    // A bar chart's row labels: the text elements anchored at the end, left of the bars.
    out.set(name, sec.all().filter((n) => n.tag === 'text' && n.getAttribute('text-anchor') === 'end').map((n) => n.textContent));
  }
  return out;
}

test('the report page labels hist and lhist buckets as the text format does: [0, 1) and [1, 2), not [0] and [1]', () => {
  const program = 'BEGIN { @h = hist(0.5); @h = hist(1.5); @h = hist(3); @l = lhist(0.5, 0, 4, 1); @l = lhist(1.5, 0, 4, 1) }';
  const text = jsprobe(['-q', '-e', program, '-c', 'node -e 0']);
  assert.equal(text.code, 0, text.stderr);
  const textRows = (map: string): string[] => {
    const block = text.stdout.split('\n\n').find((b) => b.startsWith(`${map}:`))!;
    return block.split('\n').slice(1).filter((l) => l.includes('|')).map((l) => l.split(/\s{2,}/)[0]);
  };
  assert.deepEqual(textRows('@h'), ['[0, 1)', '[1, 2)', '[2, 4)']);
  assert.deepEqual(textRows('@l'), ['[0, 1)', '[1, 2)']);

  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-labels-')), 'report.html');
  const r = jsprobe(['-q', '-e', program, '-c', 'node -e 0', '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  const rows = pageRows(file);
  assert.deepEqual(rows.get('@h'), textRows('@h'));
  assert.deepEqual(rows.get('@l'), textRows('@l'));
});
