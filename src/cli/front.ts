// The `jsprobe` command's front (main.ts loads it, as one CommonJS file: scripts/bundle.mjs): for
// a plain `-c` run, the least the command must do before the program starts, and then the spawn.
// It reads the command line, compiles the program and checks its targets (usage errors and
// program errors exit 2 before anything is spawned), opens the socket the program's child
// processes report on, and spawns; what prints the maps, --otlp's exporter and the busy stop load
// after, beside the program's own start (relay.ts). Every other path (help, -l, --dry-run, -p,
// a program with no command, --prometheus and the report page, which listen or open before the
// program starts) is command.ts, loaded only for it.

import { readFileSync } from 'node:fs';
import { parseArgs, splitCommand, USAGE, UsageError, type CliOptions } from './args.js';
import { prepareLaunch } from './launch.js';
import { attachPoints, checkOptions, compileChecked, fail } from './program-check.js';
import { relay } from './relay.js';
import { sink, type Sink } from './sink.js';
import { watchStdout, type StdoutWatch } from './stdout.js';
import { verbArgs, VERBS } from './verbs/index.js';
import { OptionTextError, type UserText } from './verbs/options.js';

/** The command with `argv` (the arguments after `jsprobe`): its exit code. */
export async function run(argv: string[]): Promise<number> {
  const stdout = watchStdout();
  const code = await jsprobe(argv, stdout);
  const exit = stdout.gone ? 141 : code;
  // A `-c` run that has relayed its program to the end has nothing left to do: once all it wrote
  // has left the process, it exits at once, without Node's teardown of the environment and of
  // the heap, which took as long as a plain node program's whole exit (docs/benchmarks.md, "The
  // command's start and end, split"). Output still queued for a slow reader (a full pipe) is
  // written first: then the command ends as any Node program does, when its loop is empty.
  if (relayed && (!stdout.armed || process.stdout.writableLength === 0) && process.stderr.writableLength === 0) process.exit(exit);
  return exit;
}

/** The plain `-c` path has run its program to the end (relay.ts has printed the maps and closed everything). */
let relayed = false;

/** Whether this run was a plain `-c` run that ran its program to the end (main.ts: it then writes the code caches). */
export function relayedToEnd(): boolean {
  return relayed;
}

async function jsprobe(argv: string[], stdout: StdoutWatch): Promise<number> {
  let o: CliOptions;
  let verb: string | undefined;
  let user: UserText[] | undefined;
  try {
    // A verb (watch, monitor, …) is a program the command makes for you: the rest is as with -e.
    ({ argv, verb, user } = verbArgs(argv));
    o = parseArgs(argv, (p) => readFileSync(p, 'utf8'), Object.keys(VERBS));
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}\n${USAGE}`);
    // Positioned in the user's text, as a program's error is: no usage after it.
    if (e instanceof OptionTextError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const plain = o.command !== undefined && !o.help && !o.version && o.list === undefined && !o.dryRun && o.prometheus === undefined && !o.report;
  if (!plain) {
    stdout.arm();
    return (await import('./command.js')).main(o, verb, stdout, user);
  }
  const checked = compileChecked(o, verb, user);
  if (typeof checked === 'number') return checked;
  const { program, found } = checked;
  const bad = checkOptions(o, program, verb);
  if (bad !== undefined) return bad;
  let out: Sink;
  let command: string[];
  try {
    command = splitCommand(o.command!);
    out = sink(o, program, stdout);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const launch = await prepareLaunch(program, o, command);
  if (typeof launch === 'number') return launch;
  const code = await relay(launch, program, o, out, undefined, attachPoints(program, found));
  relayed = true;
  return code;
}
