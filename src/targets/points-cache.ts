// The functions of the files a target names, kept on disk between runs of the command (in
// jsprobe's cache directory, sites/hooks/cache-dir.ts): `jsprobe -c` checks that `fn:app.js:f`
// matches something before it starts the program, and with the functions of app.js cached it
// needs no parse, so the command does not load oxc-parser at all (~15-20 ms of CPU before the
// program starts, and ~5 MB of the command's memory: docs/benchmarks.md, bench:startup).
//
// One entry per set of files (a glob's, or the one file a target names), keyed by each file's
// path, inode, size and modification time in nanoseconds, and by the same stat of this module's
// own file, which a rebuild or a reinstall of jsprobe changes. A file rewritten in place with the
// same size within the same nanosecond would be taken for the old one, as for the agent's code
// cache (docs/load-sites.md). What is read back is data, never code: a name, a kind, a position.

import { fileURLToPath } from 'node:url';
import { fileStamp, keptAsJson } from '../sites/hooks/cache-dir.js';
import type { FilePoint } from './files.js';

/** What a file of the set held: its functions, or why it does not parse (a glob leaves it out). */
export type FileFunctions = FilePoint[] | { unparsed: string };

let own: string | undefined;

/**
 * The functions of `files`, from the cache when it holds this set of files as they are now, else
 * from `read` (which parses them), then written there for the next run. `read` may throw, for a
 * file that must parse: then nothing is written. Without a cache directory (JSPROBE_CACHE=0, or
 * one that is not this user's alone) this is `read` alone.
 */
export function cachedFunctions(files: readonly string[], read: (file: string) => FileFunctions): Map<string, FileFunctions> {
  const key = (): string => {
    own ??= fileStamp(fileURLToPath(import.meta.url));
    return [own, ...files.map(fileStamp)].join('\n');
  };
  // A Map's order is the files', as JSON keeps an object's.
  const kept = keptAsJson('points', 'files', key, () => Object.fromEntries(files.map((f) => [f, read(f)] as const)));
  return new Map(Object.entries(kept));
}
