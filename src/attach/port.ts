// Which port a target's inspector uses: the one it was started with (`--inspect=…`,
// `--inspect-port=…`, in its argv or NODE_OPTIONS; the last one wins, argv over NODE_OPTIONS, as
// Node reads them), else Node's default, 9229. SIGUSR1 opens the inspector on that port; 0 means
// a port the system picks, found afterwards among the target's own listening sockets.

import { argvOf, envOf, listeners, reachesLoopback, socketInodes, type Listener } from './procfs.js';

export const DEFAULT_INSPECTOR_PORT = 9229;

/** Options whose value is the next argument when not given with `=`. */
const TAKES_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--title', '--env-file',
  '--input-type', '-e', '--eval', '-p', '--print', '--inspect-port', '--debug-port', '--disable-warning', '--watch-path',
]);
const SETS_ADDRESS = new Set(['--inspect', '--inspect-brk', '--inspect-wait', '--inspect-port', '--debug-port']);

/** The port in an inspector address (`9333`, `host:9333`, `[::1]:9333`), or null when it names a host only. */
function portIn(value: string): number | null {
  const m = /^(?:.*:)?(\d+)$/.exec(value);
  return m === null ? null : Number(m[1]);
}

/** Node's options in `args` (up to the script), with each one's value: `[name, value | null]`. */
function options(args: readonly string[]): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    if (eq > 0) out.push([a.slice(0, eq), a.slice(eq + 1)]);
    else if (TAKES_VALUE.has(a) && i + 1 < args.length) out.push([a, args[++i]]);
    else out.push([a, null]);
  }
  return out;
}

/** NODE_OPTIONS split as Node splits it: on white space, with double quotes grouping. */
export function splitNodeOptions(text: string): string[] {
  return [...text.matchAll(/"((?:\\.|[^"\\])*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

/**
 * The inspector port a process started with `argv` (argv[0] is the executable) and
 * `nodeOptions` uses. A host alone (`--inspect=127.0.0.1`) keeps the port.
 */
export function configuredPort(argv: readonly string[], nodeOptions: string | null): number {
  let port = DEFAULT_INSPECTOR_PORT;
  const all = [...options(splitNodeOptions(nodeOptions ?? '')), ...options(argv.slice(1))];
  for (const [name, value] of all) {
    if (!SETS_ADDRESS.has(name) || value === null) continue;
    port = portIn(value) ?? port;
  }
  return port;
}

/** The inspector port process `pid` was started with. */
export function inspectorPortOf(pid: number): number {
  return configuredPort(argvOf(pid) ?? [], envOf(pid, 'NODE_OPTIONS'));
}

/** The listening sockets of process `pid` that a connection to 127.0.0.1 may reach, by port. */
export function ownLoopbackListeners(pid: number): Listener[] {
  const mine = socketInodes(pid);
  return listeners().filter((l) => reachesLoopback(l) && mine.has(l.inode));
}
