// The compiled program a traced process or thread runs (cli/agent.ts): the command has compiled it
// already, to check it, and hands the compiled form down in JSPROBE_COMPILED (program-env.ts) beside
// its source (JSPROBE_PROGRAM), so that the agent neither parses it nor carries the compiler. In the
// agent's bundle, lang/compile.js is a stub that loads the compiler from a file of its own
// (scripts/bundle.mjs), only where the compiled form is not there: a program too big for one
// environment string.

import { compile, type CompiledProgram } from '../lang/compile.js';
import { ownTree, parseOwn } from '../core/primordials.js';

/**
 * The compiled form of `source`: the command's, when it is the same program; else compiled here,
 * with the command's options. Its objects are on no prototype, so that an optional field (a
 * handler's `counts`) left out reads undefined, not what a program that has run may have put on
 * Object.prototype (a child whose runtime loads late, test/safety/pollute.test.ts).
 */
export function programOf(source: string): CompiledProgram {
  const compiled = process.env.JSPROBE_COMPILED;
  if (compiled !== undefined) {
    try {
      const program = parseOwn<CompiledProgram>(compiled);
      if (program?.source === source) return program;
    } catch {
      // Then as if it were not there.
    }
  }
  return ownTree(compile(source, { unsafe: process.env.JSPROBE_UNSAFE === '1' }));
}
