// The request context (src/program/ctx.ts) in this process: what begins a chain, what carries it
// on, and that nothing is installed in the program (no mark on its promises) unless a program
// reads ctx, nor after its runtime is closed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as immediate } from 'node:timers/promises';
import { compile } from '../../src/lang/compile.js';
import { makeRuntime, type Runtime } from '../../src/program/runtime.js';
import { readContext } from '../../src/program/ctx.js';

const out = { format: 'text' as const, text: () => {}, json: () => {} };

function runtime(program: string): Runtime {
  return makeRuntime(compile(program), out, () => {});
}

/** jsprobe's mark on an object, by its symbol's description. */
function marked(o: object): boolean {
  return Object.getOwnPropertySymbols(o).some((s) => s.description === 'jsprobe.ctx');
}

test('a program that does not read ctx installs nothing: the program\'s promises stay unmarked', () => {
  const rt = runtime('fn:a.js:f { @[tid] = count() }');
  assert.equal(rt.ctx(), 0);
  assert.equal(marked(Promise.resolve(1)), false);
  rt.close();
});

test('timers begin chains: each setTimeout and each setInterval tick its own; what a chain starts carries it on', async () => {
  // Code outside any chain: the reaction of a promise made before the hook, as a program's
  // startup is (the test's own function runs in the test runner's AsyncResource, a chain).
  let go = (): void => {};
  const gate = new Promise<void>((resolve) => (go = resolve));
  const timers = gate.then(() => {
    const outside = rt.ctx();
    const one = (): Promise<{ first: number; later: number }> => new Promise((resolve) => {
      setTimeout(async () => {
        const first = rt.ctx();
        await null;
        await immediate();
        await new Promise((r) => setTimeout(r, 1));
        resolve({ first, later: rt.ctx() });
      }, 1);
    });
    const ticks = new Promise<number[]>((resolve) => {
      const seen: number[] = [];
      const t = setInterval(() => {
        seen.push(rt.ctx());
        if (seen.length === 3) {
          clearInterval(t);
          resolve(seen);
        }
      }, 1);
    });
    return Promise.all([outside, Promise.all([one(), one(), one()]), ticks]);
  });
  const rt = runtime('fn:a.js:f { @s[ctx] = arg0 }');
  try {
    go();
    const [outside, seen, ticks] = await timers;
    const detail = JSON.stringify({ outside, seen, ticks });
    assert.equal(outside, 0, detail);
    for (const s of seen) assert.ok(s.first > 0 && s.later === s.first, detail);
    assert.ok(ticks.every((c) => c > 0), detail);
    assert.equal(new Set([...ticks, ...seen.map((s) => s.first)]).size, 6, detail);
    // The runtime reads the same chain as the module does.
    await new Promise<void>((resolve) => setTimeout(() => {
      assert.equal(rt.ctx(), readContext());
      resolve();
    }, 1));
  } finally {
    rt.close();
  }
  assert.equal(marked(Promise.resolve(1)), false, 'closed: nothing marks the program\'s promises any more');
});

test('a getter on Object.prototype named get or set is never run by the marks', async () => {
  let ran = 0;
  const proto = Object.prototype as Record<string, unknown>;
  for (const k of ['get', 'set']) Object.defineProperty(proto, k, { configurable: true, get: () => void ran++ });
  try {
    const rt = runtime('fn:a.js:f { @s[ctx] = 1 }');
    try {
      await new Promise<void>((resolve) => setTimeout(async () => {
        await null;
        assert.ok(rt.ctx() > 0);
        resolve();
      }, 1));
      assert.equal(marked(Promise.resolve(1)), true);
    } finally {
      rt.close();
    }
  } finally {
    delete proto.get;
    delete proto.set;
  }
  assert.equal(ran, 0);
});

test('two runtimes that read ctx share one hook; it goes when the last closes', () => {
  const a = runtime('fn:a.js:f { @s[ctx] = 1 }');
  const b = runtime('fn:a.js:f { @s[ctx] = 2 }');
  a.close();
  a.close();
  assert.equal(marked(Promise.resolve(1)), true, 'b still reads ctx');
  b.close();
  assert.equal(marked(Promise.resolve(1)), false);
});

test('a frozen resource or a proxy running as one is never touched, and no fault reaches the program', async () => {
  const { AsyncResource } = await import('node:async_hooks');
  const rt = runtime('fn:a.js:f { @s[ctx] = 1 }');
  try {
    const frozen = Object.freeze(new AsyncResource('FROZEN'));
    // Node's own reads go through the proxy too (its async id): only jsprobe's symbol is counted.
    let traps = 0;
    const ours = (k: string | symbol): boolean => typeof k === 'symbol' && k.description === 'jsprobe.ctx';
    const proxy = new Proxy(new AsyncResource('PROXIED'), {
      get: (t, k) => {
        if (ours(k)) traps++;
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
      getOwnPropertyDescriptor: (t, k) => {
        if (ours(k)) traps++;
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
      defineProperty: (t, k, d) => {
        if (ours(k)) traps++;
        return Reflect.defineProperty(t, k, d);
      },
    });
    const inFrozen = frozen.runInAsyncScope(() => rt.ctx());
    assert.equal(typeof inFrozen, 'number');
    assert.equal(Object.isFrozen(frozen), true);
    // runInAsyncScope on the proxy: `this` is the proxy, which becomes the running resource.
    const inProxy = AsyncResource.prototype.runInAsyncScope.call(proxy, () => rt.ctx());
    assert.equal(inProxy, 0);
    assert.equal(traps, 0);
    // A proxy's trap counts once it is jsprobe's symbol that is read through it: the check can fail.
    Reflect.get(proxy, Symbol('jsprobe.ctx'));
    assert.equal(traps, 1);
  } finally {
    rt.close();
  }
});
