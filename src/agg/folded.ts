// `-f folded`: a map keyed by a stack as the lines flamegraph.pl and speedscope read,
// `root;caller;callee count`. The frames come from the key's text alone, so any stack a key holds
// folds: `stack`'s (`    at f (file:1:2)` a line, innermost first) and bpftrace's ustack shape
// (a frame a line, indented, between newlines).

import { StringPrototypeCharCodeAt, StringPrototypeIndexOf, StringPrototypeSlice } from '../core/primordials.js';

/** What a stack with no readable frame folds to, as perf and flamegraph.pl name an unknown frame. */
const UNKNOWN = '[unknown]';

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** `line` without its leading and trailing blanks, or undefined when it does not start with `indent` blanks. */
function indented(line: string, indent: number): string | undefined {
  let i = 0;
  while (i < line.length && isSpace(StringPrototypeCharCodeAt(line, i))) i++;
  if (i < indent) return undefined;
  let j = line.length;
  while (j > i && isSpace(StringPrototypeCharCodeAt(line, j - 1))) j--;
  return StringPrototypeSlice(line, i, j);
}

/** A frame as folded text: `;` separates frames there, so one inside a frame (a path, a name) becomes `_`. */
function frameText(frame: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < frame.length; i++) {
    if (StringPrototypeCharCodeAt(frame, i) !== 59) continue;
    out += `${StringPrototypeSlice(frame, from, i)}_`;
    from = i + 1;
  }
  return from === 0 ? frame : out + StringPrototypeSlice(frame, from);
}

/**
 * The frames of a stack key, innermost first, or undefined when `key` is not a stack: every line
 * indented and either `at …` (stack) or, between a leading and a trailing newline, any frame
 * (ustack). An empty stack (one that could not be read) has no frames.
 */
export function stackFrames(key: string): string[] | undefined {
  if (key === '' || key === '\n') return [];
  const ustack = StringPrototypeCharCodeAt(key, 0) === 10;
  if (ustack && StringPrototypeCharCodeAt(key, key.length - 1) !== 10) return undefined;
  const frames: string[] = [];
  let from = ustack ? 1 : 0;
  const end = ustack ? key.length - 1 : key.length;
  while (from <= end) {
    let nl = StringPrototypeIndexOf(key, '\n', from);
    if (nl < 0 || nl > end) nl = end;
    const line = indented(StringPrototypeSlice(key, from, nl), 1);
    if (line === undefined || line === '') return undefined;
    if (ustack) frames[frames.length] = line;
    else if (StringPrototypeCharCodeAt(line, 0) === 97 && StringPrototypeCharCodeAt(line, 1) === 116 && StringPrototypeCharCodeAt(line, 2) === 32) {
      frames[frames.length] = StringPrototypeSlice(line, 3); // "at "
    } else return undefined;
    from = nl + 1;
  }
  return frames;
}

/** One folded line: the frames root first, `;` between them, then the count. */
export function foldedLine(frames: readonly string[], count: string): string {
  if (frames.length === 0) return `${UNKNOWN} ${count}`;
  let s = '';
  for (let i = frames.length - 1; i >= 0; i--) s += `${i === frames.length - 1 ? '' : ';'}${frameText(frames[i])}`;
  return `${s} ${count}`;
}
