// Whether the runtime `jsprobe -p` loads into a process would make live edits there, told from
// outside, with nothing sent to it (for --dry-run): the rule of liveEditOffWhy() in
// src/sites/inspector.ts, read from the process's binary and initial environment.

import { readFileSync } from 'node:fs';
import { LIVE_EDIT_AT_START } from '../sites/breakpoint-advice.js';
import { envOf } from './procfs.js';
import { checkTarget, nodeVersionOf } from './verify.js';

/** The first Node with V8 13 (Node 23 has V8 12.9, Node 24 V8 13.6): see V8_LIVE_EDIT_CRASHES in src/sites/inspector.ts. */
const NODE_V8_13 = 24;

export interface LiveEdits {
  /** The target's Node version (`24.22.3`), or null when its binary does not say (a Node linked to libnode). */
  version: string | null;
  /** Why the runtime would make no live edit there; null when it would; undefined when that cannot be told (no version). */
  offWhy: string | null | undefined;
}

/** Process `pid` checked as an attach checks it (an AttachError if it fails), and whether live edits would be made there. */
export function liveEditsIn(pid: number): LiveEdits {
  checkTarget(pid);
  const env = envOf(pid, 'JSPROBE_LIVE_EDIT');
  const version = nodeVersionOf(`/proc/${pid}/exe`);
  if (env === '0') return { version, offWhy: 'JSPROBE_LIVE_EDIT=0 in its environment turns live edits off' };
  if (env === '1') return { version, offWhy: null };
  if (version === null) return { version, offWhy: undefined };
  if (Number(version.split('.')[0]) < NODE_V8_13) return { version, offWhy: null };
  return {
    version,
    offWhy: `live edits are off on Node ${version} (V8 13 and later), where one can crash the process when it later runs closures `
      + `made before the edit (docs/live-sites.md); ${LIVE_EDIT_AT_START}`,
  };
}

/**
 * Whether process `pid` runs its TypeScript through tsx, as its command line or NODE_OPTIONS says
 * (`--import tsx`, `--require tsx/cjs`, the `tsx` command's own `…/tsx/dist/loader.mjs`): tsx's
 * output for a module is one line, where LiveEdit patches no function (sites/rewrite/instrument.ts's
 * unliveable), so the attach gives its functions breakpoint sites even where live edits are on.
 */
export function runsTsx(pid: number): boolean {
  let text = envOf(pid, 'NODE_OPTIONS') ?? '';
  try {
    text += ` ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`;
  } catch {
    // Gone, or not ours to read: the attach's check says so.
  }
  // A loader option naming tsx (`--import tsx`, `--import=tsx/esm`, `-r tsx/cjs`), or a file of tsx's own
  // package (`…/node_modules/tsx/dist/cli.mjs`, pnpm's `…/tsx@4/node_modules/tsx/dist/…`): not any
  // path with a directory named tsx in it (`/home/u/tsx/app.js`).
  return /(?:--import|--require|-r|--loader|--experimental-loader)(?:=|\s+)tsx(?:\/\S*)?(?=\s|$)|\/tsx\/dist\//.test(text);
}
