// `jsprobe watch TARGET [-n N] [--where EXPR] [-x DEPTH]`: a line per call, at its return, with
// its arguments and its return value or error. With -n, the Nth call takes the probes off.

import { FORMAT_LIMITS } from '../../agg/format-limits.js';
import { STR_DEPTH } from '../../lang/str-depth.js';
import { expressionOption, wholeOption, type Mode, type UserText, type VerbOptions, type VerbProgram } from './options.js';

export function watchProgram(target: string, options: VerbOptions, mode: Mode): VerbProgram {
  // The arguments are one level deeper than each argument: they are formatted as one array.
  const depth = wholeOption(options, 'watch', '-x', 0, STR_DEPTH.max - 1, FORMAT_LIMITS.depth);
  const limit = options.has('-n') ? wholeOption(options, 'watch', '-n', 1, Number.MAX_SAFE_INTEGER, 0) : undefined;
  const where = expressionOption(options, 'watch', '--where');
  const user: UserText[] = [];
  let head = `fnret:${target} `;
  if (limit !== undefined || where !== undefined) {
    head += `/${limit === undefined ? '' : `@watched < ${limit}`}${limit !== undefined && where !== undefined ? ' && ' : ''}`;
    if (where !== undefined) {
      user.push({ option: '--where', text: where, at: head.length + 1 });
      head += `(${where})`;
    }
    head += '/ ';
  }
  const lines = [
    `${head}{`,
    ...(limit === undefined ? [] : ['  @watched = count();']),
    '  printf("%s pid %d tid %d ctx %d %s(%s) %s %.3f ms\\n", strftime("%H:%M:%S.%f", nsecs), pid, tid, ctx, func,',
    `    str(args, ${depth + 1}).slice(2, -2), threw ? "threw " + str(error, ${depth}) : "= " + str(retval, ${depth}), elapsed / 1e6);`,
    // Under -p, exit() detaches jsprobe; under -c, detach() takes the probes off and the program runs on.
    ...(limit === undefined ? [] : [`  if (@watched == ${limit}) { ${mode === 'attach' ? 'exit()' : 'detach()'} }`]),
    // The count prints at the end. Not cleared by END: under -p, END runs at the detach, before
    // every call in the function has left it, and a call then would pass the predicate again.
    '}',
  ];
  return { text: `${lines.join('\n')}\n`, user };
}
