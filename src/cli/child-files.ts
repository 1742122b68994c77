// What a child process of a `jsprobe -c` program needs to know to wait for its first matching
// source before it loads the runtime (child-watch.ts): the file globs of the program's probes, as
// written (each child makes them absolute from its own working directory and follows their symlinks,
// as registering would: child-watch.ts).
// Worked out once, by the first process, which has compiled the program; handed down in the
// environment (JSPROBE_CHILD_FILES), as the program itself is (JSPROBE_PROGRAM).

import type { CompiledProgram } from '../lang/compile.js';
import { parseTarget } from '../targets/parse.js';

/**
 * The probes' file globs, as JSON; undefined when some probe needs the runtime from the start in
 * every process: a module#export target (a wrap site, placed at once on the module as it is
 * loaded from the working directory), a profile probe (it samples every thread from the start), or
 * a handler that reads ctx (its async chains are followed from the program's first line). BEGIN,
 * END and intervals run in the first process only. And where JSPROBE_CHILD_LAZY=0 is in the
 * environment: every child loads the runtime at its start, before its program's code (one that
 * replaces built-ins before its probed files load is traced then: late-builtins.ts).
 */
export function childFiles(program: CompiledProgram): string | undefined {
  if (program.profiles.length > 0 || program.usesCtx || process.env.JSPROBE_CHILD_LAZY === '0') return undefined;
  const files: string[] = [];
  for (const { probe } of program.probes) {
    let ref;
    try {
      ref = parseTarget(probe.target);
    } catch {
      return undefined;
    }
    if (ref.kind === 'export') return undefined;
    if (!files.includes(ref.file)) files.push(ref.file);
  }
  return JSON.stringify(files);
}
