// The one choice of a site kind: every preference against every shape of target code, as the
// `site` option of docs/api.md describes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSiteKind, type TargetCode } from '../../src/sites/site-kind.js';
import type { SitePreference } from '../../src/index.js';

const PREFERENCES: SitePreference[] = ['auto', 'wrap', 'load', 'live', 'breakpoint'];

function row(code: TargetCode): (string | null)[] {
  return PREFERENCES.map((p) => chooseSiteKind(p, code));
}

test('site kind: a property or export gets a wrap site, and nothing else', () => {
  assert.deepEqual(row({ shape: 'property' }), ['wrap', 'wrap', null, null, null]);
});

test('site kind: a Function object is patched where it is', () => {
  assert.deepEqual(row({ shape: 'function' }), ['live', null, null, 'live', 'breakpoint']);
});

test('site kind: code in a file gets load sites where it has them, else the loaded code is patched', () => {
  assert.deepEqual(row({ shape: 'file', loadSites: true }), ['load', null, 'load', 'live', 'breakpoint']);
  assert.deepEqual(row({ shape: 'file', loadSites: false }), ['live', null, 'load', 'live', 'breakpoint']);
});

test("site kind: a loaded function LiveEdit cannot patch falls back to a breakpoint site only under 'auto'", () => {
  assert.deepEqual(row({ shape: 'loaded', liveable: true }), ['live', null, null, 'live', 'breakpoint']);
  assert.deepEqual(row({ shape: 'loaded', liveable: false }), ['breakpoint', null, null, null, 'breakpoint']);
});
