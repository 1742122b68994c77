// A `-c` program started before its check, so that node's own boot in the program (most of what
// the program waits for) runs beside the command's loading of itself and its check of the program,
// instead of after them (docs/cli.md, "When start-up matters"; docs/benchmarks.md). main.ts calls
// this before it loads the front: from the command line alone, it starts the command when it is
// certainly a node process, with an environment in which its agent waits at the gate (gate.ts)
// before anything of jsprobe or of the program loads. The front then checks the program as always
// and `take`s the child, opening the gate with the environment it made, or kills it at the gate
// (a usage error, a program error, any environment it did not guess): then the program never
// ran, and a plain spawn follows where one is due.
//
// Only where nothing of the program can run before the agent: the command's first word is node
// (or a script whose first line runs node as it is), neither it nor NODE_OPTIONS adds a preload, a
// loader or an environment file, and the jsprobe program (-e, a file or a verb's) comes with none
// of the options that change what the command does before the spawn. Anything else starts as it did.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { splitCommand } from './args.js';
import { GATE_VARIABLE, gateMessage } from './gate.js';
import { nodeOptions } from './node-options.js';
import { VERB_FLAGS } from './verbs/flags.js';

export interface EarlyChild {
  /**
   * The child, started with `argv` and the environment the front made (`env`): its gate is opened
   * with `env`'s JSPROBE_ variables. Undefined, and the child killed at its gate, when it was
   * started otherwise (the front's own spawn is then due).
   */
  take(argv: readonly string[], env: NodeJS.ProcessEnv): ChildProcess | undefined;
  /** Kill the child at its gate, unless taken. */
  abort(): void;
  /** The child's process id. */
  readonly pid: number | undefined;
}

/** Options that take no part before the spawn, with the values they may have here. */
const FLAGS: ReadonlySet<string> = new Set(['-q', '--unsafe']);
const VALUED: ReadonlyMap<string, RegExp> = new Map([
  ['-f', /^(text|json|folded)$/],
  ['--max-map-keys', /^[0-9]+$/],
  ['--max-strlen', /^[0-9]+$/],
  ['--max-pause', /^[0-9]+$/],
]);

/**
 * The program's text (`''` for a verb's, which has no profile: probe) and -c's command, where the
 * command line is a plain `-c` run and nothing else; else undefined. The program comes with -e, as
 * a file (the first word that is no option's, read here), or from a verb (that word is the verb's
 * name, the next one its target, and its own flags may come too).
 */
function plainRun(args: readonly string[]): { program: string; command: string } | undefined {
  let program: string | null | undefined;
  let command: string | undefined;
  let verb: readonly string[] | undefined;
  let target = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if (FLAGS.has(a)) continue;
    if (!a.startsWith('-')) {
      if (program === undefined && verb === undefined && Object.hasOwn(VERB_FLAGS, a)) verb = VERB_FLAGS[a];
      else if (verb !== undefined && !target) target = true;
      else if (program === undefined && verb === undefined) program = fileText(a);
      else return undefined;
      if (program === null) return undefined;
      continue;
    }
    if (v === undefined) return undefined;
    if (a === '-e' && program === undefined && verb === undefined) program = v;
    else if (a === '-c' && command === undefined) command = v;
    else if (!(verb?.includes(a) ?? false) && !(VALUED.get(a)?.test(v) ?? false)) return undefined;
    i++;
  }
  if (verb !== undefined) program = target ? '' : undefined;
  return typeof program !== 'string' || command === undefined ? undefined : { program, command };
}

/** A program file's text, or null where it cannot be read (the front then says why). */
function fileText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Options of node's that load code of the program's own before the agent, or change NODE_OPTIONS. */
const PRELOADS = /(^|\s)(-r|--require|--import|--loader|--experimental-loader|--env-file|--env-file-if-exists)(=|\s|$)/;

/** The file `word` runs as execvp would find it, or undefined. */
function onPath(word: string): string | undefined {
  const candidates = word.includes('/')
    ? [resolve(word)]
    : (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, word));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not there, or not runnable: the next.
    }
  }
  return undefined;
}

/** Whether `file` is node itself, or a script whose first line runs node with no options. */
function runsNode(file: string): boolean {
  if (/^node[0-9]*$/.test(basename(file))) return true;
  const head = Buffer.alloc(128);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.toString('latin1', 0, n).split('\n')[0];
    return /^#!\s*(\/\S*\/env\s+node|\/\S*\/node[0-9]*)\s*$/.test(line);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether the environment's variable `key` is jsprobe's, handed over at the gate. */
const ours = (key: string): boolean => key.startsWith('JSPROBE_');

/** The child started now, waiting at its gate, where the command line allows; else undefined (JSPROBE_EARLY=0: never). */
export function earlySpawn(args: readonly string[]): EarlyChild | undefined {
  if (process.env.JSPROBE_EARLY === '0') return undefined;
  const run = plainRun(args);
  // profile: probes load the agent as an ES module (node-options.ts): not guessed here.
  if (run === undefined || run.program.includes('profile')) return undefined;
  let argv: string[];
  try {
    argv = splitCommand(run.command);
  } catch {
    return undefined;
  }
  const file = onPath(argv[0]);
  if (file === undefined || !runsNode(file)) return undefined;
  const firstScript = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  const nodeArgs = argv.slice(1, firstScript === -1 ? argv.length : firstScript).join(' ');
  if (PRELOADS.test(nodeArgs) || PRELOADS.test(process.env.NODE_OPTIONS ?? '')) return undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: nodeOptions(argv, false).value,
    [GATE_VARIABLE]: '1',
    JSPROBE_CONTROL_FD: '4',
    JSPROBE_COMMAND_PID: String(process.pid),
  };
  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'], env });
  } catch {
    return undefined;
  }
  let failed = false;
  const fail = (): void => void (failed = true);
  child.once('error', fail);
  child.once('exit', fail);
  let state: 'waiting' | 'taken' | 'killed' = 'waiting';
  const abort = (): void => {
    if (state !== 'waiting') return;
    state = 'killed';
    child.off('error', fail);
    child.on('error', () => {});
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const s of child.stdio) s?.destroy();
    child.unref();
  };
  const take = (argv2: readonly string[], env2: NodeJS.ProcessEnv): ChildProcess | undefined => {
    const same = !failed && state === 'waiting' && argv2.length === argv.length && argv2.every((a, i) => a === argv[i])
      && Object.keys({ ...env, ...env2 }).every((k) => ours(k) || env[k] === env2[k]);
    if (!same) {
      abort();
      return undefined;
    }
    const entries: Record<string, string | null> = {};
    for (const k of Object.keys({ ...env, ...env2 })) if (ours(k)) entries[k] = env2[k] ?? null;
    state = 'taken';
    child.off('error', fail);
    child.off('exit', fail);
    (child.stdio[4] as NodeJS.WritableStream).write(gateMessage(entries));
    return child;
  };
  return { take, abort, pid: child.pid };
}
