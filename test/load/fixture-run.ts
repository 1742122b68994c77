// The load tests that run a fixture of test/fixtures/load in a node of its own, with the load
// hooks (`--import jsprobe/register`), and read the one JSON line it prints.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const register = `${root}build/src/register.js`;

/** Run test/fixtures/load/`name` with `mode` as its argument: what it printed, parsed. */
export function runFixture(name: string, mode: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', register, `${root}test/fixtures/load/${name}`, mode], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}
