// A stack frame in a rewritten module that came with no source map of its own asks Node, the first
// time, whether a compiler that ran after the rewrite left a map of its output (sites/load/post-map.ts,
// tsx under -c). Where there is none, that answer is kept: ustack looks up each frame at every hit,
// and findSourceMap turns the name into a URL and searches Node's map caches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import module, { syncBuiltinESMExports } from 'node:module';

test('a rewritten module with no map of a later compiler: Node is asked once, not at every frame', async () => {
  let asked = 0;
  const find = module.findSourceMap;
  // post-map.ts takes findSourceMap as it loads: counted from its load on.
  module.findSourceMap = (name: string) => {
    asked++;
    return find(name);
  };
  syncBuiltinESMExports();
  try {
    const { registerModule, unshifted } = await import('../../src/sites/load/registry.js');
    const url = 'file:///nowhere/post-map-none.ts';
    registerModule(JSON.stringify({ url, fns: [], lines: [] }), () => '');
    for (let i = 0; i < 5; i++) assert.deepEqual(unshifted(url, 2, 7), { file: '/nowhere/post-map-none.ts', line: 2, column: 7 });
    assert.equal(asked, 1);
  } finally {
    module.findSourceMap = find;
    syncBuiltinESMExports();
  }
});
