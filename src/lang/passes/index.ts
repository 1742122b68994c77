// The passes, in order. Each reads what the ones before it found:
//   probes  → the blocks and their probe kinds (scope checks builtins against them)
//   scope   → what each name means (calls and safety look at resolved names)
//   maps    → map slots and aggregations (codegen reads slots; calls knows which values aggregate)
//   calls   → where the language's functions go and what they take (codegen relies on it)
//   types   → strings where numbers go, where the text says so (after calls: printf's format is checked)
//   safety  → safe mode's limits (before codegen, so that nothing unsafe is emitted)
//   codegen → handler sources; it only generates, and runs only when no pass found a fault
// Every pass before codegen reports its faults and goes on, so a program's faults come at once;
// a pass must therefore cope with what an earlier pass refused (an unresolved name, say).

import type { Program } from '../ast.js';
import { ProgramError } from '../errors.js';
import { callsPass } from './calls.js';
import type { CompileOptions, PassContext } from './context.js';
import { codegenPass, type Generated } from './codegen.js';
import { mapsPass } from './maps.js';
import { probesPass } from './probes.js';
import { safetyPass } from './safety.js';
import { scopePass } from './scope.js';
import { typesPass } from './types.js';

export const PASSES = [probesPass, scopePass, mapsPass, callsPass, typesPass, safetyPass] as const;

export function runPasses(program: Program, options: CompileOptions): { ctx: PassContext; generated: Generated } {
  const ctx: PassContext = { program, options, blocks: [], maps: new Map(), problems: [] };
  for (const pass of PASSES) pass(ctx);
  if (ctx.problems.length > 0) throw new ProgramError(program.source, ctx.problems);
  return { ctx, generated: codegenPass(ctx) };
}
