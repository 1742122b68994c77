// What the command prepares for a `-c` program before it spawns it: the socket its child processes
// report on (listening before the program can start one) and the environment that loads the agent
// into the program's node processes. relay.ts spawns it; nothing else comes before (front.ts).

import { fileURLToPath } from 'node:url';
import type { CompiledProgram } from '../lang/compile.js';
import type { Message } from '../program/messages.js';
import type { CliOptions } from './args.js';
import { ChildServer, tmpdir } from './children.js';
import { fail } from './program-check.js';
import { programEnv } from './program-env.js';

export interface Launch {
  argv: string[];
  env: NodeJS.ProcessEnv;
  children: ChildServer;
  /** The global through which a busy main thread is reached (control-pipe.ts). */
  stopName: string;
  /** Where the messages of the processes that report on the socket go: the relay's, once the program runs. */
  onMessage: (m: Message) => void;
}

/**
 * The inspector port of the program jsprobe starts: 0, one the system picks, unless the user
 * chose one (any inspector option in the command or NODE_OPTIONS: theirs then stands, and
 * `node --inspect app.js` listens where it would have). jsprobe opens that inspector only to stop
 * a program too busy to see Ctrl-C (busy-stop.ts); on 9229 it would clash with whatever else
 * listens there. The agent takes it out of NODE_OPTIONS again for the program's own children.
 */
function inspectorPortOption(argv: readonly string[]): { option: string; set: boolean } {
  const chosen = /--(inspect|debug-port)/.test(`${argv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
  return chosen ? { option: '', set: false } : { option: ' --inspect-port=0', set: true };
}

/**
 * The option that loads the agent into the program's node processes: its CommonJS file with
 * --require, which spares a CommonJS program Node's ES module loader (agent-cjs.ts); its ES module
 * with --import where the first process must wait before the program's first line (the tick
 * thread of profile: probes) or where the CommonJS file's path would need quoting in NODE_OPTIONS,
 * which splits at spaces.
 */
function agentOption(program: CompiledProgram): string {
  const cjs = fileURLToPath(new URL('../agent-bundle/agent.cjs', import.meta.url));
  if (program.profiles.length === 0 && !/[\s"'\\]/.test(cjs)) return `--require=${cjs}`;
  return `--import=${new URL('../agent-bundle/agent.js', import.meta.url).href}`;
}

/** The socket open and the environment made for `argv` (-c split), or exit 2 when the socket cannot be opened. */
export async function prepareLaunch(program: CompiledProgram, o: CliOptions, argv: string[]): Promise<Launch | number> {
  let children: ChildServer;
  // The messages of the processes that report on the socket are those of the first one's pipe.
  const launch = { onMessage: (_m: Message): void => {} } as Launch;
  try {
    children = await ChildServer.open((m) => launch.onMessage(m));
  } catch (e) {
    return fail(`cannot open a socket for the program's child processes in ${tmpdir()} (${(e as Error).message}); set TMPDIR to a writable directory`);
  }
  const agent = agentOption(program);
  const port = inspectorPortOption(argv);
  // Hidden, and unlike any global the program has.
  const stopName = `__jsprobe_stop_${process.pid}_${Math.random().toString(36).slice(2)}`;
  const env = {
    ...process.env,
    NODE_OPTIONS: `${agent}${port.option} ${process.env.NODE_OPTIONS ?? ''}`.trim(),
    JSPROBE_INSPECT_PORT: port.set ? '0' : undefined,
    JSPROBE_STOP_NAME: stopName,
    ...programEnv(program),
    // Set by the traced program's main thread, for its workers: see agent.ts.
    JSPROBE_PID: undefined,
    JSPROBE_FORMAT: o.format,
    JSPROBE_UNSAFE: o.unsafe ? '1' : '0',
    JSPROBE_MAX_MAP_KEYS: o.maxMapKeys === undefined ? undefined : String(o.maxMapKeys),
    JSPROBE_MAX_STRLEN: o.maxStrlen === undefined ? undefined : String(o.maxStrlen),
    JSPROBE_MAX_PAUSE_MS: o.maxPauseMs === undefined ? undefined : String(o.maxPauseMs),
    JSPROBE_OUT_FD: '3',
    JSPROBE_CONTROL_FD: '4',
    JSPROBE_SOCKET: children.path,
    // Its own child is the only process that has the pipes (fd 3 and 4).
    JSPROBE_COMMAND_PID: String(process.pid),
    JSPROBE_OTLP: o.otlp === undefined ? undefined : '1',
  };
  return Object.assign(launch, { argv, env, children, stopName });
}
