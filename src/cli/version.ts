// The version of jsprobe: the one in its package.json, which ships beside build/ in every install.
// Its own file so that `jsprobe --version` (main.ts) reads it without loading the command.

import { readFileSync } from 'node:fs';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
