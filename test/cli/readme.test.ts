// Every one-liner the README shows is run here, against the example shop (bpftrace's habit of
// parsing every shipped tool): each must exit 0 with trace output and no warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { splitCommand } from '../../src/cli/args.js';
import { jsprobe } from './run.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('<!-- one-liners'));
const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
const lines = block.split('\n').filter((l) => l.startsWith('jsprobe '));

test('the README shows at least ten one-liners', () => {
  assert.ok(lines.length >= 10, `${lines.length}`);
});

for (const line of lines) {
  test(line, () => {
    const args = splitCommand(line).slice(1);
    const r = jsprobe(['-q', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /jsprobe:/, r.stderr);
    // Trace output: a map, a printf line or JSON, beyond the program's own "load:"/"report:" line.
    const trace = r.stdout.split('\n').filter((l) => l !== '' && !/^(load|report): /.test(l));
    assert.ok(trace.length > 0, r.stdout);
  });
}
