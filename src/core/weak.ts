// Downgrading a leased record's references (docs/design.md, "Leases for returns that take long"): past its lease an
// in-flight call keeps `this` and `args` only through weak references.

import { SafeWeakRef } from './primordials.js';

export class WeakBox {
  readonly ref: WeakRef<object>;
  constructor(target: object) {
    this.ref = new SafeWeakRef(target);
  }
}

export function weaken(v: unknown): unknown {
  return (typeof v === 'object' && v !== null) || typeof v === 'function' ? new WeakBox(v) : v;
}

export function strengthen(v: unknown): unknown {
  return v instanceof WeakBox ? v.ref.deref() : v;
}
