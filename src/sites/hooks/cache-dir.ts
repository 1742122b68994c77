// Where jsprobe keeps what it caches on disk (rewritten modules, the agent's compiled code): one
// directory per user. JSPROBE_CACHE=0 turns caching off; JSPROBE_CACHE=<dir> moves it.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string | null {
  const env = process.env.JSPROBE_CACHE;
  if (env === '0' || env === 'false') return null;
  if (env !== undefined && env !== '') return env;
  return join(tmpdir(), `jsprobe-cache-${process.getuid?.() ?? 'u'}`);
}
