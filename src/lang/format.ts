// printf formats: %[flags][width][.precision]conversion, as in C and bpftrace. Parsed once when a
// program compiles (a bad format is a positioned error) and again by the printer, which caches.

export interface FormatPart {
  /** Literal text, or a conversion. */
  text?: string;
  flags?: string;
  width?: number;
  precision?: number;
  conv?: string;
  /** Offset of the conversion in the format string, for errors. */
  at: number;
}

const SPEC = /%([-+ 0#]*)([0-9]+)?(?:\.([0-9]+))?([a-zA-Z%])?/y;
export const CONVERSIONS = 'sdiufFxXoceEgG';

/** The parts of `fmt`; throws `{ at, message }` for a malformed conversion. */
export function parseFormat(fmt: string): FormatPart[] {
  const out: FormatPart[] = [];
  let text = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c !== '%') {
      text += c;
      i++;
      continue;
    }
    SPEC.lastIndex = i;
    const m = SPEC.exec(fmt)!;
    const conv = m[4];
    if (conv === '%') {
      text += '%';
      i += m[0].length;
      continue;
    }
    if (conv === undefined || !CONVERSIONS.includes(conv)) {
      const message = conv === undefined
        ? 'a % with no conversion after it (write %% for a percent sign)'
        : `unknown conversion %${conv} (use one of %s %d %i %u %f %F %x %X %o %c %e %E %g %G, or %%)`;
      throw Object.assign(new Error(message), { at: i });
    }
    if (text !== '') out.push(literal(text, i));
    text = '';
    const width = m[2] === undefined ? undefined : Number(m[2]);
    out.push({ text: undefined, flags: m[1], width, precision: m[3] === undefined ? undefined : Number(m[3]), conv, at: i });
    i += m[0].length;
  }
  if (text !== '') out.push(literal(text, i));
  return out;
}

/**
 * Text, with every field its own: a part's `conv` read through Object.prototype would be a
 * program's (under -p this runs in the target, after its code: test/safety/pollute.test.ts).
 */
function literal(text: string, at: number): FormatPart {
  return { text, flags: undefined, width: undefined, precision: undefined, conv: undefined, at };
}
