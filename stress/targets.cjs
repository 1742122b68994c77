// Probe targets for `npm run stress`: every kind of function, each computing a value the stress
// driver can check against its own reference (expected()). Loaded with load sites on every
// function (JSPROBE_LOAD_SITES); the driver also wraps some of them (wrap sites).
'use strict';

const FAIL = 'stress failure';

function pure(x) {
  return (x * 31 + 7) % 1009;
}

function syncLeaf(x) {
  if (x % 13 === 0) throw new Error(FAIL);
  return pure(x);
}

function syncDeep(x, depth) {
  if (depth <= 0) return syncLeaf(x);
  return syncDeep(x, depth - 1);
}

async function asyncLeaf(x) {
  await null;
  if (x % 11 === 0) throw new Error(FAIL);
  return pure(x);
}

async function asyncDeep(x, depth) {
  if (depth <= 0) return asyncLeaf(x);
  await new Promise((resolve) => setImmediate(resolve));
  return asyncDeep(x, depth - 1);
}

function* gen(x) {
  yield 1;
  if (x % 17 === 0) throw new Error(FAIL);
  return pure(x);
}

async function* agen(x) {
  yield 1;
  await null;
  return pure(x);
}

class Box {
  constructor(x) {
    this.x = x;
  }

  get value() {
    return pure(this.x);
  }

  method(depth) {
    return syncDeep(this.x, depth);
  }

  static make(x) {
    return new Box(x).value;
  }
}

const arrow = (x) => pure(x);

function thenable(x) {
  return { then: (resolve, reject) => (x % 7 === 0 ? reject(new Error(FAIL)) : resolve(pure(x))) };
}

module.exports = { FAIL, pure, syncLeaf, syncDeep, asyncLeaf, asyncDeep, gen, agen, Box, arrow, thenable };
