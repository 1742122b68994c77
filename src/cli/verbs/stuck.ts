// `jsprobe stuck TARGET [--older DURATION] [-i SECONDS]`: the calls of TARGET still in flight,
// oldest first, with their age and arguments: at the end (exit, crash, Ctrl-C) and every interval.

import { durationMs, intervalProbe, type Mode, type VerbOptions } from './options.js';

export function stuckProgram(target: string, options: VerbOptions, _mode: Mode): string {
  const older = durationMs(options, 'stuck', '--older');
  const interval = intervalProbe(options, 'stuck');
  return [
    // The calls that did settle, for scale: how long one usually takes.
    `fnret:${target} { @settled_ms[func] = stats(elapsed / 1e6) }`,
    ...(interval === undefined ? [] : [`${interval} { pending(${older}) }`]),
    `END { pending(${older}) }`,
    '',
  ].join('\n');
}
