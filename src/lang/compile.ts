// A program's text → what the command registers: one ProbeSpec-to-be per probe (target, kind,
// handler source), the BEGIN/END/interval blocks, and the maps. Errors are ProgramErrors.

import type { ProbeRef } from './ast.js';
import type { CountsInto, LocalRead } from './passes/codegen.js';
import { parse } from './parser.js';
import type { Aggregation, BlockInfo, CompileOptions, MapInfo } from './passes/context.js';
import { runPasses } from './passes/index.js';

export interface CompiledProbe {
  probe: ProbeRef;
  /** JS source of the handler (an expression, evaluated with `$rt` in scope). */
  source: string;
  /** The handler only counts, into this map by this key: the site runtime may count for it (program/counting.ts). */
  counts?: CountsInto;
  /** At a line probe: the program's variables its handler reads, where each is first named. */
  locals?: LocalRead[];
}

export interface CompiledProgram {
  source: string;
  maps: MapInfo[];
  /** fn:, fnret: and line: probes. */
  probes: CompiledProbe[];
  begin: CompiledProbe[];
  end: CompiledProbe[];
  intervals: CompiledProbe[];
  /** Some probe reads `ctx`: the runtime tracks async chains (program/ctx.ts), which costs the program. */
  usesCtx: boolean;
  /** Some block calls pending(): return probes keep each call's arguments from its entry, to list them. */
  usesPending: boolean;
  /** profile:hz:N probes: their handlers run once per sampled stack. */
  profiles: CompiledProbe[];
}

export function compile(source: string, options: CompileOptions = {}): CompiledProgram {
  const program = parse(source);
  const { ctx, generated } = runPasses(program, options);
  const of = (...kinds: string[]) => generated.handlers.filter((h) => kinds.includes(h.probe.kind));
  return {
    source,
    maps: [...ctx.maps.values()].sort((a, b) => a.index - b.index),
    probes: of('fn', 'fnret', 'line'),
    begin: of('BEGIN'),
    end: of('END'),
    intervals: of('interval'),
    usesCtx: uses(ctx.blocks, 'builtin', 'ctx'),
    profiles: of('profile'),
    usesPending: uses(ctx.blocks, 'function', 'pending'),
  };
}

/** Some block names the builtin value or calls the language's function `name` (as scope resolved it). */
function uses(blocks: readonly BlockInfo[], kind: 'builtin' | 'function', name: string): boolean {
  return blocks.some((b) => [...b.idents.values()].some((r) => r.kind === kind && r.name === name));
}

export type { Aggregation, CompileOptions, MapInfo };
export { ProgramError, isProgramError } from './errors.js';
