// `jsprobe trace TARGET`: where the time of each call of TARGET goes, by line of its body. A line
// probe on each statement of the body closes the time since the last one: a statement that makes
// a call has a row of its own (its calls, and what it awaits), the others' time is "self".
// Calls of TARGET are told apart by ctx: concurrent calls of one request (Promise.all) mix.

import { tracedFunction } from './trace-lines.js';
import type { Mode, VerbOptions } from './options.js';

/** The row of the whole call, and of the time not in a line that makes a call. */
const WHOLE = 'whole call';
const SELF = 'self';

/** A string literal of the language. */
function literal(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Close the time since the last line, into the row of that line. */
const CLOSE = '$ms = (nsecs - @at[ctx]) / 1e6; @total_ms[@row[ctx]] = sum($ms); @ms[@row[ctx]] = stats($ms);';

export function traceProgram(target: string, _options: VerbOptions, _mode: Mode): string {
  const f = tracedFunction(target);
  const lines = [
    // The whole call's row first: the table's rows are in the order the first map got them.
    `fn:${f.target} { @total_ms[${literal(WHOLE)}] = sum(0); @row[ctx] = ${literal(SELF)}; @at[ctx] = nsecs }`,
    ...f.lines.map(({ line, label }) => `line:${f.file}:${line} /@at[ctx] != 0/ { ${CLOSE} @row[ctx] = ${literal(label ?? SELF)}; @at[ctx] = nsecs }`),
    `fnret:${f.target} /@at[ctx] != 0/ {`,
    `  ${CLOSE}`,
    `  @total_ms[${literal(WHOLE)}] = sum(elapsed / 1e6); @ms[${literal(WHOLE)}] = stats(elapsed / 1e6); @calls = count();`,
    '  delete(@at[ctx]); delete(@row[ctx])',
    '}',
    // An empty table is no answer: say that no call was seen (a wrap site under -p sees only the
    // calls made through its property, which the attach says above).
    `END { if (@calls == 0) { printf("no call of %s returned while it was traced\\n", ${literal(f.target)}) } `
      + 'table(@total_ms, @ms); clear(@total_ms); clear(@ms); clear(@at); clear(@row); clear(@calls) }',
    '',
  ];
  return lines.join('\n');
}
