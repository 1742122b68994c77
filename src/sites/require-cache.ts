// Node's CommonJS module cache (`require.cache`, which is Module._cache), from one require made
// at its first use: createRequire costs ~35-110 µs a call on Node 24 (the URL made a path, a
// Module made for it), and jsprobe asked for a new one at the load of two modules, in every traced
// process, and at every probe registered on a file target.

import { createRequire } from 'node:module';

let cache: NodeJS.Dict<NodeModule> | undefined;

/** `require.cache`. */
export function requireCache(): NodeJS.Dict<NodeModule> {
  return (cache ??= createRequire(import.meta.url).cache);
}
