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
import { checkOptions, compileChecked, fail } from './program-check.js';
import { relay } from './relay.js';
import { sink, type Sink } from './sink.js';
import { watchStdout, type StdoutWatch } from './stdout.js';
import { verbArgs } from './verbs/index.js';

/** The command with `argv` (the arguments after `jsprobe`): its exit code. */
export async function run(argv: string[]): Promise<number> {
  const stdout = watchStdout();
  const code = await jsprobe(argv, stdout);
  return stdout.gone ? 141 : code;
}

async function jsprobe(argv: string[], stdout: StdoutWatch): Promise<number> {
  let o: CliOptions;
  let verb: string | undefined;
  try {
    // A verb (watch, monitor, …) is a program the command makes for you: the rest is as with -e.
    ({ argv, verb } = verbArgs(argv));
    o = parseArgs(argv, (p) => readFileSync(p, 'utf8'));
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}\n${USAGE}`);
    throw e;
  }
  const plain = o.command !== undefined && !o.help && !o.version && o.list === undefined && !o.dryRun && o.prometheus === undefined && !o.report;
  if (!plain) {
    stdout.arm();
    return (await import('./command.js')).main(o, verb, stdout);
  }
  const checked = compileChecked(o, verb);
  if (typeof checked === 'number') return checked;
  const { program } = checked;
  const bad = checkOptions(o, program);
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
  return relay(launch, program, o, out);
}
