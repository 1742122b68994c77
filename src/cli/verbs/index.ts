// The verbs (`jsprobe watch|monitor|stuck|trace TARGET …`): each turns its own options into a
// jsprobe program, and the command runs that program as if it came with -e, so that a verb has
// every option of the command (-c, -p, -o, -f, the bounds). --dry-run shows the program.

import { isOption, unknownOption, UsageError, VALUE_OPTIONS } from '../args.js';
import { monitorProgram } from './monitor.js';
import { stuckProgram } from './stuck.js';
import { traceProgram } from './trace.js';
import { watchProgram } from './watch.js';
import type { Mode, UserText, VerbOptions, VerbProgram } from './options.js';

interface Verb {
  /** Its own flags (each takes a value). */
  flags: readonly string[];
  /** The program; with where the user's own text is in it, for a verb that puts some there. */
  program(target: string, options: VerbOptions, mode: Mode): string | VerbProgram;
}

/** The verbs' flags as the usage writes them, and the word each stands for: an unknown option is matched against them too. */
const FLAG_WORDS: Record<string, readonly [string, string]> = {
  '-n': ['-n N', 'number'], '--where': ['--where EXPR', 'where'], '-x': ['-x DEPTH', 'depth'], '-i': ['-i SECONDS', 'interval'],
  '--older': ['--older DURATION', 'older'],
};

export const VERBS: Record<string, Verb> = {
  watch: { flags: ['-n', '--where', '-x'], program: watchProgram },
  monitor: { flags: ['-i'], program: monitorProgram },
  stuck: { flags: ['--older', '-i'], program: stuckProgram },
  trace: { flags: [], program: traceProgram },
};

/** The first argument that is neither an option nor an option's value: a verb, or a program file. */
function firstPositional(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    if (VALUE_OPTIONS.has(argv[i])) i++;
    else if (!argv[i].startsWith('-') || argv[i] === '-') return i;
  }
  return -1;
}

/**
 * `argv` with a verb turned into `-e PROGRAM` and the command's own options left as they are; any
 * other command line as it is. `user`: where the text of the user's in the program is. A verb's
 * bad option is a UsageError, or an OptionTextError for a fault in an expression.
 */
export function verbArgs(argv: string[]): { argv: string[]; verb?: string; user?: UserText[] } {
  const at = firstPositional(argv);
  const name = argv[at];
  if (name === undefined || !Object.hasOwn(VERBS, name)) return { argv };
  const verb = VERBS[name];
  const own: VerbOptions = new Map();
  const rest: string[] = [];
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (i === at) continue;
    if (verb.flags.includes(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${name} ${a} needs a value`);
      own.set(a, v);
    } else if (a === '-e' || a === '-l') {
      throw new UsageError(`jsprobe ${name} makes its own program: ${a} goes without a verb`);
    } else if (VALUE_OPTIONS.has(a)) {
      rest.push(a);
      if (i + 1 < argv.length) rest.push(argv[++i]);
    } else if (a.startsWith('-') && a !== '-') {
      // Here, not in parseArgs: a value after an unknown option would be taken for a second target.
      if (!isOption(a)) throw unknownOption(a, verb.flags.map((f) => FLAG_WORDS[f]));
      rest.push(a);
    } else if (target === undefined) {
      target = a;
    } else {
      throw new UsageError(`jsprobe ${name} takes one target; got ${target} and ${a}`);
    }
  }
  if (rest.includes('-h') || rest.includes('--help')) return { argv: ['--help'] };
  if (target === undefined) throw new UsageError(`jsprobe ${name} needs a target: jsprobe ${name} src/db.js:Db.query -c 'node app.js'`);
  checkTarget(name, target);
  const mode: Mode = rest.includes('-p') ? 'attach' : 'command';
  const made = verb.program(target, own, mode);
  const { text, user } = typeof made === 'string' ? { text: made, user: [] } : made;
  return { argv: ['-e', text, ...rest], verb: name, user };
}

/** A function target, which goes into the program's text as it is: nothing there may end the probe. */
function checkTarget(verb: string, target: string): void {
  if (/[\s{},]/.test(target) || /^(fn|fnret|line):/.test(target)) {
    throw new UsageError(`jsprobe ${verb} takes a function target such as src/db.js:Db.query or node:fs#readFile, not '${target}'`);
  }
}
