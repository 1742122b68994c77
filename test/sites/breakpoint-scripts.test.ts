// The scripts a thread's inspector session notes: V8 compiles a breakpoint's condition into a script
// of its own at every hit and reports it like any other, and jsprobe kept each one, for as long as
// the process lived (two a call of a function with a breakpoint site: 0.3 MB of a target's heap
// a second, attached or detached). Scripts without a URL are not kept now: no site patches one.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { knownScripts, withDebugger } from '../../src/sites/inspector.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

// Every hit is counted here, however loaded the machine: the site's time budget would make it rest.
process.env.JSPROBE_BREAKPOINT_BUDGET_MS = '1000000';

const require = createRequire(import.meta.url);
const fx = require(new URL('../../../test/fixtures/live/throws.cjs', import.meta.url).pathname) as { check(x: number): number };

const scriptCount = (): number => withDebugger(() => [...knownScripts()].length);

test('a thousand hits of a breakpoint site leave the scripts jsprobe knows as they were', () => {
  let n = 0;
  const p = reg({ target: fx.check, site: 'breakpoint', onEntry: () => void n++, onReturn: () => {} });
  assert.equal(p.site, 'breakpoint');
  const before = scriptCount();
  for (let i = 0; i < 1000; i++) fx.check(i);
  assert.equal(n, 1000);
  // Two condition scripts a call were kept before: 2000 more.
  assert.ok(scriptCount() - before < 20, `${scriptCount() - before} scripts more`);
});

test('a function made by new Function (a script without a URL, not kept) is refused as before, as eval\'d code', () => {
  const made = new Function('x', 'return x * 3;') as (x: number) => number;
  assert.throws(() => reg({ target: made, site: 'breakpoint', onEntry: () => {} }), /an eval'd script is Node's own code/);
});
