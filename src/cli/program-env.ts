// What the command hands each traced process of its program in the environment: the program's
// source (JSPROBE_PROGRAM) and, where it fits, its compiled form as JSON (JSPROBE_COMPILED), which
// the agent runs as it is instead of compiling the source again in every process and thread
// (agent-program.ts): a traced child then neither loads nor runs the compiler.

import type { CompiledProgram } from '../lang/compile.js';

/** Linux's limit on one environment string, name and '=' included (MAX_ARG_STRLEN, 128 kB), less a margin. */
const MAX_ENV_BYTES = 128 * 1024 - 1024;

export function programEnv(program: CompiledProgram): { JSPROBE_PROGRAM: string; JSPROBE_COMPILED: string | undefined } {
  const compiled = JSON.stringify(program);
  // Too big: each process compiles the source, as it did before (an outer jsprobe's must not stay).
  return { JSPROBE_PROGRAM: program.source, JSPROBE_COMPILED: Buffer.byteLength(compiled) <= MAX_ENV_BYTES ? compiled : undefined };
}
