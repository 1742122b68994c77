// A fast-check property, in a process of its own (test/fixtures/safety/property.mjs replaces
// built-ins): random safe-mode handler programs over the crafted values never run the program's
// code, whatever they print, key, keep or compute, in text and in JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../cli/run.js';

interface Outcome { programs: number; compiled: number; refused: number; hits: number; faults: number; ran: string[] }

for (const seed of [1, 2]) {
  test(`random handler programs never run program code (seed ${seed})`, () => {
    const r = spawnSync(process.execPath, ['test/fixtures/safety/property.mjs', String(seed), '150'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout) as Outcome;
    assert.deepEqual(o.ran, [], `program code ran: ${o.ran.join(', ')}`);
    // Not vacuous: most programs compiled, and their handlers ran on every value.
    assert.equal(o.programs, 150);
    assert.ok(o.compiled >= 100, `only ${o.compiled} of ${o.programs} compiled`);
    assert.ok(o.hits >= o.compiled * 30, `${o.hits} hits`);
    assert.ok(o.faults < o.hits, `${o.faults} faults of ${o.hits} hits`);
  });
}
