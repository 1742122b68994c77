// `jsprobe watch TARGET [-n N] [--where EXPR] [-x DEPTH]`: a line per call, at its return, with
// its arguments and its return value or error. With -n, the Nth call takes the probes off.

import { FORMAT_LIMITS } from '../../agg/format-limits.js';
import { STR_DEPTH } from '../../lang/str-depth.js';
import { wholeOption, type Mode, type VerbOptions } from './options.js';

export function watchProgram(target: string, options: VerbOptions, mode: Mode): string {
  // The arguments are one level deeper than each argument: they are formatted as one array.
  const depth = wholeOption(options, 'watch', '-x', 0, STR_DEPTH.max - 1, FORMAT_LIMITS.depth);
  const limit = options.has('-n') ? wholeOption(options, 'watch', '-n', 1, Number.MAX_SAFE_INTEGER, 0) : undefined;
  const where = options.get('--where');
  const tests = [...(limit === undefined ? [] : [`@watched < ${limit}`]), ...(where === undefined ? [] : [`(${where})`])];
  const lines = [
    `fnret:${target} ${tests.length > 0 ? `/${tests.join(' && ')}/ ` : ''}{`,
    ...(limit === undefined ? [] : ['  @watched = count();']),
    '  printf("%s pid %d tid %d ctx %d %s(%s) %s %.3f ms\\n", strftime("%H:%M:%S.%f", nsecs), pid, tid, ctx, func,',
    `    str(args, ${depth + 1}).slice(2, -2), threw ? "threw " + str(error, ${depth}) : "= " + str(retval, ${depth}), elapsed / 1e6);`,
    // Under -p, exit() detaches jsprobe; under -c, detach() takes the probes off and the program runs on.
    ...(limit === undefined ? [] : [`  if (@watched == ${limit}) { ${mode === 'attach' ? 'exit()' : 'detach()'} }`]),
    // The count prints at the end. Not cleared by END: under -p, END runs at the detach, before
    // every call in the function has left it, and a call then would pass the predicate again.
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
