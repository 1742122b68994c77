// Node's own modules that jsprobe loads at their first use rather than with the agent (node:crypto,
// node:inspector, node:v8: each costs milliseconds in every traced process, and most never use
// them). They come from process.getBuiltinModule, which no hook of the traced program's sees: a
// require goes through Module._load, which an APM agent may have patched by the time the module is
// first needed, and jsprobe would then run the program's code. Node before 20.16 has no
// getBuiltinModule: there the module is required at once, as the caller loads, before the
// program's first line.

import { createRequire } from 'node:module';

const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
const early = typeof getBuiltin === 'function' ? undefined : createRequire(import.meta.url);

/** A getter of Node's module `id`, loaded at its first call (or now, before Node 20.16). */
export function lazyBuiltin<T>(id: string): () => T {
  let loaded = early?.(id) as T | undefined;
  return () => (loaded ??= getBuiltin!(id) as T);
}
