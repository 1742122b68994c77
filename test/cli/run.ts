// Running the built jsprobe command from tests, from the repository root.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const JSPROBE = join(ROOT, 'build/src/cli/main.cjs');

/**
 * Run the command to its end. `timeout` only stops a run that hangs: it is a failure bound, far
 * above what a run takes on a busy machine. `env` adds to the environment (the traced program
 * inherits it).
 */
export function jsprobe(args: string[], timeout = 120_000, env: Record<string, string> = {}): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(process.execPath, [JSPROBE, ...args], { cwd: ROOT, encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}
