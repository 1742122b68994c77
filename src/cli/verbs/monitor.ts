// `jsprobe monitor TARGET [-i SECONDS]`: every interval, a table with a row per function the
// target matches: calls, failures (calls that threw or rejected), and the time a call took, ms.

import { intervalProbe, type Mode, type VerbOptions } from './options.js';

const DEFAULT_INTERVAL = 'interval:s:5';

export function monitorProgram(target: string, options: VerbOptions, _mode: Mode): string {
  const interval = intervalProbe(options, 'monitor') ?? DEFAULT_INTERVAL;
  // Each table covers its interval: the maps start again after it. END prints the last, partial one.
  const table = 'time("%H:%M:%S\\n"); table(@calls, @failures, @ms); clear(@calls); clear(@failures); clear(@ms)';
  return [
    `fnret:${target} {`,
    '  @calls[func] = count();',
    '  @failures[func] = sum(threw);',
    '  @ms[func] = stats(elapsed / 1e6);',
    '}',
    `${interval} { ${table} }`,
    `END { ${table} }`,
    '',
  ].join('\n');
}
