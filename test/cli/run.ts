// Running the built jsprobe command from tests, from the repository root.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const JSPROBE = join(ROOT, 'build/src/cli/main.js');

export function jsprobe(args: string[], timeout = 30_000): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(process.execPath, [JSPROBE, ...args], { cwd: ROOT, encoding: 'utf8', timeout });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}
