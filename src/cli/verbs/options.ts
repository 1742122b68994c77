// A verb's own options (-n, -i, --older, …), read and checked; a bad one is a UsageError.

import { ProgramError } from '../../lang/errors.js';
import { parseExpression } from '../../lang/parser.js';
import { UsageError } from '../args.js';

/** How the verb's program will run: it says what "stop tracing" means (-c: the program runs on; -p: jsprobe detaches). */
export type Mode = 'command' | 'attach';

/** A verb's own options, by flag; each takes a value. */
export type VerbOptions = Map<string, string>;

/** Text the user gave a verb (watch --where) as it sits in the program the verb makes: at `at`, from `option`. */
export interface UserText {
  option: string;
  text: string;
  at: number;
}

/** The program a verb makes, and where the user's own text is in it (an error there is positioned in that text). */
export interface VerbProgram {
  text: string;
  user: UserText[];
}

/** A fault in text the user gave a verb's option, said of that text: `jsprobe watch: in --where, 1:10: …`, the text, a caret. */
export class OptionTextError extends Error {
  constructor(verb: string, option: string, text: string, at: number, message: string) {
    super(`jsprobe ${verb}: in ${option}, ${new ProgramError(text, at, message).report}`);
  }
}

/**
 * A verb option that is an expression of the language, checked alone, so that a fault in it is
 * positioned in the text the user wrote (in the verb's program it would be in text they never
 * saw), and text past the expression (`x) || (y`) cannot change the program around it: the
 * expression as it goes into the program (space and comments after it left out), or undefined
 * when not given. A fault is an OptionTextError.
 */
export function expressionOption(options: VerbOptions, verb: string, flag: string): string | undefined {
  const v = options.get(flag);
  if (v === undefined) return undefined;
  try {
    return v.slice(0, parseExpression(v).end);
  } catch (e) {
    if (e instanceof ProgramError) throw new OptionTextError(verb, flag, v, e.diagnostics[0].at, e.diagnostics[0].message);
    throw e;
  }
}

/** A verb option that is a whole number in [min, max], or `fallback` when not given. */
export function wholeOption(options: VerbOptions, verb: string, flag: string, min: number, max: number, fallback: number): number {
  const v = options.get(flag);
  if (v === undefined) return fallback;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${verb} ${flag} takes a whole number from ${min} to ${max}, not '${v}'`);
  return Number(v);
}

/**
 * A verb's `-i SECONDS` as an interval probe: `interval:s:N`, or `interval:ms:N` for a fraction
 * (0.5 is 500 ms), or undefined when not given.
 */
export function intervalProbe(options: VerbOptions, verb: string): string | undefined {
  const v = options.get('-i');
  if (v === undefined) return undefined;
  const s = Number(v);
  if (!/^[0-9]*\.?[0-9]+$/.test(v) || !(s >= 0.001) || s > 86400) throw new UsageError(`${verb} -i takes a number of seconds from 0.001 to 86400, not '${v}'`);
  return Number.isInteger(s) ? `interval:s:${s}` : `interval:ms:${Math.round(s * 1000)}`;
}

/** A duration as `--older` takes it: `500ms`, `2s`, `1.5s`, `1m`, or a number of ms. */
export function durationMs(options: VerbOptions, verb: string, flag: string): number {
  const v = options.get(flag);
  if (v === undefined) return 0;
  const m = /^([0-9]*\.?[0-9]+)(ms|s|m)?$/.exec(v);
  if (m === null) throw new UsageError(`${verb} ${flag} takes a duration such as 500ms, 2s or 1m, not '${v}'`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}
