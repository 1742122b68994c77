// SHA-256 for what jsprobe keys by content (the rewrite cache, a patched script's text), with
// node:crypto loaded at the first use rather than with the agent (builtin.ts): loading it costs
// ~10 ms of CPU in each traced process on Node 24 (~5 ms on Node 20), and most never hash anything.

import { lazyBuiltin } from './builtin.js';

type Crypto = typeof import('node:crypto');

const crypto = lazyBuiltin<Crypto>('node:crypto');

/** A SHA-256 hash to update and digest, as node:crypto's createHash('sha256') gives. */
export function sha256(): ReturnType<Crypto['createHash']> {
  return crypto().createHash('sha256');
}
