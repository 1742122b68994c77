// The NODE_OPTIONS a `-c` program's node processes are started with: the agent's preload and the
// inspector port. launch.ts makes them once the program is checked; early-spawn.ts makes the same
// from the command line alone, for a program started before its check (docs/cli.md, "When
// start-up matters"), and the two must agree for that start to be kept.

import { fileURLToPath } from 'node:url';

/**
 * The inspector port of the program jsprobe starts: 0, one the system picks, unless the user
 * chose one (any inspector option in the command or NODE_OPTIONS: theirs then stands, and
 * `node --inspect app.js` listens where it would have). jsprobe opens that inspector only to stop
 * a program too busy to see Ctrl-C (busy-stop.ts); on 9229 it would clash with whatever else
 * listens there. The agent takes it out of NODE_OPTIONS again for the program's own children.
 */
export function inspectorPortOption(argv: readonly string[]): { option: string; set: boolean } {
  const chosen = /--(inspect|debug-port)/.test(`${argv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
  return chosen ? { option: '', set: false } : { option: ' --inspect-port=0', set: true };
}

/**
 * The option that loads the agent into the program's node processes: its CommonJS file with
 * --require, which spares a CommonJS program Node's ES module loader (agent-cjs.ts); its ES module
 * with --import where the first process must wait before the program's first line (`profiles`:
 * the tick thread of profile: probes) or where the CommonJS file's path would need quoting in
 * NODE_OPTIONS, which splits at spaces.
 */
export function agentOption(profiles: boolean): string {
  const cjs = fileURLToPath(new URL('../agent-bundle/agent.cjs', import.meta.url));
  if (!profiles && !/[\s"'\\]/.test(cjs)) return `--require=${cjs}`;
  return `--import=${new URL('../agent-bundle/agent.js', import.meta.url).href}`;
}

/** NODE_OPTIONS for the program's node processes: the agent first, so that it runs before any preload of the user's. */
export function nodeOptions(argv: readonly string[], profiles: boolean): { value: string; portSet: boolean } {
  const port = inspectorPortOption(argv);
  return { value: `${agentOption(profiles)}${port.option} ${process.env.NODE_OPTIONS ?? ''}`.trim(), portSet: port.set };
}
