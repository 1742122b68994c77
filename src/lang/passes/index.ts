// The passes, in order. Each reads what the ones before it found:
//   probes  → the blocks and their probe kinds (scope checks builtins against them)
//   scope   → what each name means (maps and safety look at resolved names)
//   maps    → map slots and aggregations (codegen reads slots)
//   safety  → safe mode's limits (before codegen, so that nothing unsafe is emitted)
//   codegen → handler sources

import type { Program } from '../ast.js';
import type { CompileOptions, PassContext } from './context.js';
import { codegenPass, type Generated } from './codegen.js';
import { mapsPass } from './maps.js';
import { probesPass } from './probes.js';
import { safetyPass } from './safety.js';
import { scopePass } from './scope.js';

export const PASSES = [probesPass, scopePass, mapsPass, safetyPass] as const;

export function runPasses(program: Program, options: CompileOptions): { ctx: PassContext; generated: Generated } {
  const ctx: PassContext = { program, options, blocks: [], maps: new Map() };
  for (const pass of PASSES) pass(ctx);
  return { ctx, generated: codegenPass(ctx) };
}
