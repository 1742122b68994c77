// The command refuses a program before the traced program runs: every fault at once, each
// positioned, exit 2; and in safe mode a line: probe cannot call the functions in scope there,
// which a fixture would notice (its functions write a marker file when they run).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe, ROOT } from './run.js';

const BANK = 'test/fixtures/cli/bank.cjs';
const LINE = readFileSync(join(ROOT, BANK), 'utf8').split('\n').findIndex((l) => l.includes('balance ${account.balance}')) + 1;

/** `body` gets the path of a marker file that does not exist yet, in a directory of its own. */
function withMarker(body: (marker: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-refusals-'));
  try {
    body(join(dir, 'marker'), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a line: probe that calls a local, a member of a local or an imported function is refused without --unsafe', () => {
  const calls = ['withdraw(50)', 'account.record("x")', 'writeFileSync(marker, "x")'];
  const program = `line:${BANK}:${LINE} {\n${calls.map((c) => `  printf("%s\\n", ${c});`).join('\n')}\n}`;
  withMarker((marker) => {
    const r = jsprobe(['-q', '-e', program, '-c', `node ${BANK} ${marker}`]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    // One report (position, source line, caret) per call, in source order.
    const heads = r.stderr.split('\n').filter((l) => /^\d+:\d+: /.test(l));
    assert.deepEqual(heads.map((h) => h.split(': ')[0]), ['2:18', '3:26', '4:18'], r.stderr);
    for (const h of heads) assert.match(h, /--unsafe/);
    assert.match(heads[0], /withdraw is a local variable/);
    assert.match(heads[1], /calling \.record\(\)/);
    assert.match(heads[2], /writeFileSync is a local variable/);
    assert.equal(existsSync(marker), false, 'the program was refused before it ran: no marker');
  });
});

test('with --unsafe the same line: probe calls the program\'s function, which leaves its marker', () => {
  withMarker((marker) => {
    const r = jsprobe(['-q', '--unsafe', '-e', `line:${BANK}:${LINE} { printf("%s\\n", withdraw(50)) }`, '-c', `node ${BANK} ${marker}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'withdrew\n');
    assert.equal(readFileSync(marker, 'utf8'), 'withdraw 50\n');
  });
});

test('a program file with faults of several passes gets them all, in source order, each named by the file', () => {
  withMarker((marker, dir) => {
    const file = join(dir, 'faults.bt');
    writeFileSync(file, 'fn:a.js:f { @x = cnt() }\nfn:a.js:f { printf("%d\\n") }\nfn:a.js:f { @y = arg0.call(1) }\n');
    const r = jsprobe([file, '-c', `node ${BANK} ${marker}`]);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 9, r.stderr);
    assert.match(lines[0], /^.*faults\.bt:1:18: unknown name 'cnt'/);
    assert.equal(lines[1], 'fn:a.js:f { @x = cnt() }');
    assert.equal(lines[2], `${' '.repeat(17)}^`);
    assert.match(lines[3], /^.*faults\.bt:2:13: the format has 1 conversion\(s\) but printf got 0/);
    assert.equal(lines[4], 'fn:a.js:f { printf("%d\\n") }');
    assert.match(lines[6], /^.*faults\.bt:3:23: calling \.call\(\) could run the traced program's code.*--unsafe/);
    assert.equal(lines[8], `${' '.repeat(22)}^`);
    assert.equal(existsSync(marker), false);
  });
});

test('a target that matched at the last run and no longer does is refused: the check reads the file as it is now, not as the cache has it', () => {
  withMarker((marker, dir) => {
    const app = join(dir, 'app.cjs');
    const env = { JSPROBE_CACHE: join(dir, 'cache') };
    writeFileSync(app, `function ping() { return 1 }\nping();\nrequire('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const program = `fn:${app}:ping { @c = count() }`;
    for (let i = 0; i < 2; i++) {
      const r = jsprobe(['-q', '-e', program, '-c', `node ${app}`], undefined, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /@c: 1/);
    }
    rmSync(marker);
    // The same size, so that only the file's stat tells the two apart.
    writeFileSync(app, `function pong() { return 1 }\npong();\nrequire('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const r = jsprobe(['-q', '-e', program, '-c', `node ${app}`], undefined, env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^1:1: nothing matches .*app\.cjs:ping\. Did you mean .*app\.cjs:pong\?/);
    assert.equal(existsSync(marker), false, 'refused before the program ran');
  });
});
