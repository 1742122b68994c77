// SHA-256 for what jsprobe keys by content (the rewrite cache, a patched script's text), with
// node:crypto loaded at the first use rather than with the agent: loading it costs ~10 ms of CPU
// in each traced process on Node 24 (~5 ms on Node 20), and most never hash anything.
//
// It comes from process.getBuiltinModule, which no hook of the traced program's sees; a require
// would go through Module._load, which an APM agent may have patched by the time a hash is first
// needed, and then jsprobe would run the program's code. Node before 20.16 has no
// getBuiltinModule: there the module is required now, as this module loads, before the program's
// first line.

import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');

const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
let crypto: Crypto | undefined = typeof getBuiltin === 'function' ? undefined : createRequire(import.meta.url)('node:crypto') as Crypto;

/** A SHA-256 hash to update and digest, as node:crypto's createHash('sha256') gives. */
export function sha256(): ReturnType<Crypto['createHash']> {
  crypto ??= getBuiltin!('node:crypto') as Crypto;
  return crypto.createHash('sha256');
}
