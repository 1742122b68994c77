// The compiled program, kept on disk between runs of the command (in jsprobe's cache directory,
// sites/hooks/cache-dir.ts, beside the functions of the targets' files: targets/points-cache.ts).
// The same program run again (a one-liner from the shell's history, a verb, a program file) is
// read back instead of compiled: compiling runs the language's parser and passes for the first
// time in the process, ~3-6 ms of CPU before the program starts (docs/benchmarks.md).
//
// Keyed by the program's text, --unsafe and the stat of this module's own file, which a rebuild or
// a reinstall of jsprobe changes. What is read back is code (each handler's source), which the
// command runs at the end (END) and the agent in the program: it is read only from a directory of
// this user's that nobody else can write to, as the agent's compiled code is. A program that does
// not compile is never kept: its errors are said again, from the compiler, at every run.

import { fileURLToPath } from 'node:url';
import { compile, type CompiledProgram } from '../lang/compile.js';
import type { CompileOptions } from '../lang/passes/context.js';
import { fileStamp, keptAsJson } from '../sites/hooks/cache-dir.js';

let own: string | undefined;

/** compile(source, options), from the cache when it holds this program compiled by this jsprobe. */
export function compileCached(source: string, options: CompileOptions): CompiledProgram {
  const key = (): string => {
    own ??= fileStamp(fileURLToPath(import.meta.url));
    return `${own}\n${options.unsafe === true ? 'unsafe' : 'safe'}\n${source}`;
  };
  return keptAsJson('program', 'program', key, () => compile(source, options));
}
