// A profile slice's samples → stacks: top first, jsprobe's frames and what it called left out, an
// idle thread not sampled, the bounds (depth, nodes, samples) kept, what is past them counted, and
// a profile's first sample left out when asked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleStacks, type ProfileData, type ProfileNode, type StackOptions } from '../../src/program/profile-stacks.js';

const OWN = 'file:///jsprobe/';

function node(id: number, name: string, url: string, children: number[] = []): ProfileNode {
  return { id, callFrame: { functionName: name, url, lineNumber: id, columnNumber: 0 }, children };
}

// (root) → main → spin; main → (idle) is not a program frame; main → jsprobe's handler → a native it calls.
const PROFILE: ProfileData = {
  nodes: [
    node(1, '(root)', '', [2, 9]),
    node(2, 'main', 'file:///app.js', [3, 5, 7]),
    node(3, 'spin', 'file:///app.js'),
    node(5, 'handler', `${OWN}handler.js`, [6]),
    node(6, 'dispatch', ''),
    node(7, '', 'file:///app.js'),
    node(9, '(idle)', ''),
  ],
  samples: [3, 3, 9, 6, 7, 3],
};

const options = (o: Partial<StackOptions> = {}): StackOptions => ({
  maxNodes: 100, maxSamples: 100, maxDepth: 10,
  own: (url) => url.startsWith(OWN),
  frame: (name, url, line) => `${name || '<anonymous>'}@${url}:${line}`,
  ...o,
});

test('each sample gets its stack, top first; idle samples are not the program running', () => {
  const { stacks, order, dropped } = sampleStacks(PROFILE, options());
  assert.deepEqual(Array.from(order), [3, 3, 6, 7, 3]);
  assert.equal(dropped, 0);
  assert.equal(stacks[3].func, 'spin');
  assert.equal(stacks[3].text(16), '\n        spin@file:///app.js:3\n        main@file:///app.js:2\n');
  assert.equal(stacks[3].text(1), '\n        spin@file:///app.js:3\n');
  assert.equal(stacks[7].func, '<anonymous>');
});

test("a sample in jsprobe's own code is its caller's: jsprobe's frames and the natives they call are left out", () => {
  const { stacks } = sampleStacks(PROFILE, options());
  assert.equal(stacks[6].func, 'main');
  assert.equal(stacks[6].text(16), '\n        main@file:///app.js:2\n');
  // Under the program's frames (a load hook under a module's code), jsprobe's frame is left out and the rest stays.
  const hooked: ProfileData = {
    nodes: [node(1, '(root)', '', [2]), node(2, 'hook', `${OWN}hooks.js`, [3]), node(3, 'mod', 'file:///m.cjs', [4]), node(4, 'work', 'file:///m.cjs')],
    samples: [4],
  };
  assert.equal(sampleStacks(hooked, options()).stacks[4].text(16), '\n        work@file:///m.cjs:4\n        mod@file:///m.cjs:3\n');
});

test('the bounds: frames kept from the top, nodes and samples past the slice bound dropped and counted', () => {
  assert.equal(sampleStacks(PROFILE, options({ maxDepth: 1 })).stacks[3].text(16), '\n        spin@file:///app.js:3\n');
  const few = sampleStacks(PROFILE, options({ maxSamples: 2 }));
  assert.deepEqual(Array.from(few.order), [3, 3]);
  assert.equal(few.dropped, 4);
  // Nodes past the bound: their samples are dropped; the nodes before it still make stacks.
  const cut = sampleStacks(PROFILE, options({ maxNodes: 3 }));
  assert.deepEqual(Array.from(cut.order), [3, 3, 3]);
  assert.equal(cut.dropped, 3);
});

test("from: the samples before it (V8's record of where a profile started) are left out, not counted as dropped", () => {
  const { order, dropped } = sampleStacks(PROFILE, options({ from: 1 }));
  assert.deepEqual(Array.from(order), [3, 6, 7, 3]);
  assert.equal(dropped, 0);
});
