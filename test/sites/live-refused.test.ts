// The day V8 drops LiveEdit: with every live edit refused outright, 'auto' probes on loaded code
// get wrap sites where a property holds the function (as over the pause budget, on any heap),
// else breakpoint sites, and list() says why; 'live' ones fail with the reason. The refusal is forced three ways: jsprobe told
// not to edit, the protocol answering as V8 14 does without its flag, and (V8 >= 14) V8 itself;
// and on V8 >= 13 it is jsprobe's default.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = 'test/fixtures/live/refused.mjs';

interface Out {
  byFunction: { site: string; state: string; note: string | null; entries: number[][] };
  sourceKept: boolean;
  byName: { site: string; note: string | null; bumps: number[] };
  byNameAgain: { site: string; bumps: number[] };
  byHeld: { site: string; note: string | null; held: number[] };
  live: { code: string; message: string } | string;
  byProperty: { site: string; returns: number[] };
  left: number;
  edits: number;
}

function run(mode: string, nodeArgs: string[], env: Record<string, string>): Out {
  const r = spawnSync(process.execPath, [...nodeArgs, fixture, mode], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Out;
}

const ways: [string, string[], Record<string, string>, RegExp][] = [
  ['env', [], { JSPROBE_LIVE_EDIT: '0' }, /JSPROBE_LIVE_EDIT=0/],
  ['protocol', [], { JSPROBE_LIVE_EDIT: '1' }, /setScriptSource functionality no longer available/],
];
// V8 >= 13: jsprobe makes no live edit unless JSPROBE_LIVE_EDIT=1 (an edit there can crash the
// process; docs/live-sites.md). The suite's runner sets it; '' stands for unset here.
const v8Major = Number(process.versions.v8.split('.')[0]);
const offByDefault = /no live edit: live edits are off on V8 \d+ .*only a process started with JSPROBE_LIVE_EDIT=1 in its environment makes them/;
if (v8Major >= 13) ways.push(['default', [], { JSPROBE_LIVE_EDIT: '' }, offByDefault]);
// V8 14 has LiveEdit behind --inspector-live-edit; older V8 has no such flag to turn off.
if (v8Major >= 14) ways.push(['flag', ['--no-inspector-live-edit'], { JSPROBE_LIVE_EDIT: '1' }, /setScriptSource functionality no longer available/]);

for (const [mode, nodeArgs, env, reason] of ways) {
  test(`live edits refused (${mode}): under 'auto' wrap sites where a property holds the function, else breakpoint sites; 'live' refused`, () => {
    const out = run(mode, nodeArgs, env);
    assert.equal(out.byFunction.site, 'breakpoint');
    assert.equal(out.byFunction.state, 'armed');
    assert.match(out.byFunction.note ?? '', /V8 refused the live edit|no live edit: /);
    assert.match(out.byFunction.note ?? '', reason);
    assert.deepEqual(out.byFunction.entries, [[2, 3], [7, 0], [10, 20]], 'calls are seen through the breakpoint');
    assert.equal(out.sourceKept, true);
    // A method of an exported class: the prototype holds it, so a wrap site, and every call goes through it.
    assert.equal(out.byName.site, 'wrap');
    assert.match(out.byName.note ?? '', reason);
    assert.match(out.byName.note ?? '', /so it is a wrap site on module\.exports\.Counter\.prototype\.bump, which sees the calls made through that property/);
    assert.deepEqual(out.byName.bumps, [4]);
    // A second probe on it finds the property through the first one's wrapper: the same wrap site.
    assert.deepEqual(out.byNameAgain, { site: 'wrap', bumps: [4] });
    assert.equal(out.byHeld.site, 'wrap');
    assert.match(out.byHeld.note ?? '', /so it is a wrap site on module\.exports\.add, which sees the calls made through that property, not calls that do not/);
    assert.deepEqual(out.byHeld.held, [7]);
    assert.equal(typeof out.live, 'object', `site 'live' was ${String(out.live)}`);
    const live = out.live as { code: string; message: string };
    assert.equal(live.code, 'JSPROBE_E_SITE_UNAVAILABLE');
    assert.match(live.message, reason);
    assert.deepEqual(out.byProperty, { site: 'wrap', returns: [30] });
    assert.equal(out.left, 0);
    // Refused once, not tried again for every later probe.
    assert.equal(out.edits, mode === 'protocol' ? 1 : 0);
  });
}

// What the default on V8 >= 13 is for: a probe on a function of a script whose closures were made
// and have not run yet. With live edits the process dies by SIGSEGV when they run (V8 13 and 14).
test('a probe on loaded code leaves closures made before it runnable (on V8 >= 13: no live edit by default)', () => {
  const r = spawnSync(process.execPath, ['test/fixtures/live/pending.cjs'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, JSPROBE_LIVE_EDIT: '' }, timeout: 60_000,
  });
  assert.equal(r.signal, null, `the process died by ${r.signal}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { site: string; step: number; closures: number[]; entries: number[] };
  // No live edit on V8 >= 13: `step` is an export, so a wrap site (calls through exports.step are seen).
  assert.equal(out.site, v8Major >= 13 ? 'wrap' : 'live');
  assert.deepEqual({ step: out.step, closures: out.closures, entries: out.entries }, { step: 2, closures: [2, 4, 6], entries: [1] });
});
