// Breakpoint changes put off to a job (what `jsprobe -p` does, since its entry points run as V8
// interrupts, which V8 may handle inside a break: docs/attach.md, "Breakpoint sites placed from an
// interrupt"), and the Debugger domain disabled at the next microtask checkpoint, never at once.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { list } from '../../src/index.js';
import { PLACED_LATER, setBreakpointTiming } from '../../src/sites/breakpoint.js';
import { debuggerOn, withDebugger } from '../../src/sites/inspector.js';
import { atOnce } from '../../src/core/job.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(async () => {
  await unregisterAll();
  setBreakpointTiming(atOnce);
});

const require = createRequire(import.meta.url);
const empty = require(new URL('../../../test/fixtures/live/empty.cjs', import.meta.url).pathname) as { full(x: number): number };
const checkpoint = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('with breakpoint changes put off, a site is set only when the job runs, and removed only when the next one does', async () => {
  const jobs: (() => void)[] = [];
  setBreakpointTiming((work) => void jobs.push(work));
  const runAll = (): void => {
    while (jobs.length > 0) jobs.shift()!();
  };
  let seen = 0;
  const p = reg({ target: empty.full, site: 'breakpoint', onEntry: () => void seen++ });
  assert.equal(p.site, 'breakpoint');
  assert.ok(list().find((i) => i.id === p.id)?.note?.includes(PLACED_LATER), 'the note says when the breakpoints are set');
  empty.full(1);
  assert.equal(seen, 0, 'a breakpoint set before its job ran');
  assert.ok(jobs.length > 0);
  runAll();
  assert.equal(empty.full(1), 2);
  assert.equal(seen, 1);
  await unregisterAll();
  // Still set, but no probe's: the hit counts nowhere.
  empty.full(1);
  assert.equal(seen, 1);
  assert.ok(debuggerOn());
  assert.ok(jobs.length > 0);
  runAll();
  await checkpoint();
  assert.equal(debuggerOn(), false);
});

test('the Debugger domain is disabled at the next microtask checkpoint after its last holder lets go, not inside the call', async () => {
  await checkpoint();
  assert.equal(debuggerOn(), false);
  withDebugger(() => undefined);
  assert.equal(debuggerOn(), true, 'disabled from inside the running code');
  await checkpoint();
  assert.equal(debuggerOn(), false);
});
