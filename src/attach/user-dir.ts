// Directories only this user can reach, for what another local user must neither read nor plant:
// the attach channel's socket (channel.ts) and the markers of inspectors jsprobe opened (marker.ts).

import { isPrivateDir } from '../sites/hooks/cache-dir.js';

/** Mode bits that let another user into a directory at all. */
const OTHERS = 0o077;

/** Whether `dir` is a directory of this user's that no other user can enter. */
export function isUserOnlyDir(dir: string): boolean {
  return isPrivateDir(dir, OTHERS);
}

/** $XDG_RUNTIME_DIR when it is a directory of this user's alone (0700 by its spec; checked), else null. */
export function privateRuntimeDir(): string | null {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg !== undefined && xdg !== '' && isUserOnlyDir(xdg) ? xdg : null;
}
