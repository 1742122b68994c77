// printf for programs: C's conversions (%s %d %i %u %f %F %e %g %x %X %o %c) with flags, width and
// precision. Formats are parsed when the program is instantiated (before the traced program runs),
// and everything a hit calls is a built-in captured at load: a program that replaces padStart
// or toFixed does not run from here. Each conversion's text keeps to the string bound
// (safe-strlen.ts): `%999999999s` pads to just past it, not to a gigabyte, and is cut.

import { parseFormat, type FormatPart } from '../lang/format.js';
import { display, handlerFault, quoted, toNumber } from './format.js';
import { clip, STRLEN } from './safe-strlen.js';
import {
  BigIntAsUintN, BigIntPrototypeToString, MapPrototypeGet, MapPrototypeSet, MathMin, MathTrunc, NumberIsFinite, NumberIsInteger,
  NumberPrototypeToExponential, NumberPrototypeToFixed, ObjectFreeze, ObjectSetPrototypeOf, SafeBigInt, SafeFloat64Array, SafeMap,
  SafeNumber, StringFromCharCode, StringPrototypeCharCodeAt, StringPrototypeIncludes, StringPrototypeIndexOf, StringPrototypePadEnd,
  StringPrototypePadStart, StringPrototypeRepeat, StringPrototypeSlice, StringPrototypeToUpperCase,
} from '../core/primordials.js';

/** A `%s` conversion's callback for each getter it left uncalled. */
export type OnAccessor = (key: string) => void;

const cache = new SafeMap<string, FormatPart[]>();

/** Parse the formats of generated handler source now (a parse at a hit would use RegExp and Array methods). */
export function primeFormats(source: string): void {
  const marker = '$rt.printf(';
  for (let at = source.indexOf(marker); at >= 0; at = source.indexOf(marker, at + 1)) {
    const start = at + marker.length;
    let end = start + 1;
    while (end < source.length && source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
    const fmt = JSON.parse(source.slice(start, end + 1)) as string;
    if (!cache.has(fmt)) cache.set(fmt, parsed(fmt));
  }
}

/** The parts with every field their own, on null prototypes: a hit reads none through Object.prototype. */
function parsed(fmt: string): FormatPart[] {
  // parseFormat gives every part all its fields: under -p, and in a child that loads the runtime late,
  // this runs after the program, and none is read through Object.prototype.
  return parseFormat(fmt).map((p) => ObjectFreeze(ObjectSetPrototypeOf(
    { text: p.text, flags: p.flags, width: p.width, precision: p.precision, conv: p.conv, at: p.at }, null) as FormatPart));
}

function pad(s: string, p: FormatPart, numeric: boolean): string {
  const flags = p.flags ?? '';
  const width = MathMin(p.width ?? 0, STRLEN.max + 1);
  if (s.length >= width) return s;
  if (StringPrototypeIncludes(flags, '-')) return StringPrototypePadEnd(s, width);
  if (numeric && StringPrototypeIncludes(flags, '0')) {
    const c = StringPrototypeCharCodeAt(s, 0);
    const sign = c === 45 || c === 43 || c === 32 ? s[0] : '';
    return sign + StringPrototypePadStart(StringPrototypeSlice(s, sign.length), width - sign.length, '0');
  }
  return StringPrototypePadStart(s, width);
}

function signed(s: string, n: number, flags: string): string {
  if (n >= 0 && StringPrototypeIncludes(flags, '+')) return `+${s}`;
  if (n >= 0 && StringPrototypeIncludes(flags, ' ')) return ` ${s}`;
  return s;
}

/** C's exponent has at least two digits: 1.5e+3 → 1.5e+03. */
function twoDigitExponent(s: string): string {
  const n = s.length;
  const c = StringPrototypeCharCodeAt(s, n - 2);
  return c === 43 || c === 45 ? `${StringPrototypeSlice(s, 0, n - 1)}0${StringPrototypeSlice(s, n - 1)}` : s;
}

/** The digits toFixed, toExponential and toPrecision take at most. */
const MAX_DIGITS = 100;

/** `#` keeps a point that no digit follows: C's `%#.0e` of 1 is `1.e+00`. */
function withPoint(s: string, alt: boolean): string {
  if (!alt || StringPrototypeIncludes(s, '.')) return s;
  const e = StringPrototypeIndexOf(s, 'e');
  return e < 0 ? `${s}.` : `${StringPrototypeSlice(s, 0, e)}.${StringPrototypeSlice(s, e)}`;
}

/**
 * `n` lies exactly halfway between two multiples of 10^`unit`: 2n/10^unit is an odd integer. With
 * n = m·2^s (m odd), that is s = unit - 1 where unit <= 0, and also 5^unit dividing m where unit > 0:
 * so n scaled by 2^(1-unit), exactly (a power of two), is an odd integer (and a multiple of 5^unit).
 */
function halfway(n: number, unit: number): boolean {
  const a = n < 0 ? -n : n;
  const { pow2, pow5 } = powers ??= makePowers();
  // unit runs from about -425 (%.100e of 5e-324) to 308.
  const y = unit <= 0 ? a * pow2[1 - unit] : a / pow2[unit - 1];
  if (!NumberIsInteger(y) || y % 2 !== 1) return false;
  // m < 2^53: no multiple of 5^23 or more.
  return unit <= 0 || (unit <= 22 && y % pow5[unit] === 0);
}

/**
 * Powers of 2 and 5 for halfway, made at its first call: `2 ** k` at a hit is a call of pow, ~40%
 * of a %e. Not as the runtime loads: its loop there, run once in every traced process before the
 * program's first line, cost ~4 M instructions (V8 compiles the loop it sees run hot).
 */
let powers: { pow2: Float64Array; pow5: Float64Array } | undefined;

function makePowers(): { pow2: Float64Array; pow5: Float64Array } {
  const pow2 = new SafeFloat64Array(440);
  const pow5 = new SafeFloat64Array(23);
  pow2[0] = 1;
  pow5[0] = 1;
  for (let i = 1; i < 440; i++) pow2[i] = pow2[i - 1] * 2;
  for (let i = 1; i < 23; i++) pow5[i] = pow5[i - 1] * 5;
  return { pow2, pow5 };
}

/**
 * C rounds a value halfway between two results to the even one (the default rounding mode, on the
 * exact binary value: %.1f of 1.25 is 1.2, of 2.675, which is 2.67499…, 2.67); toFixed and
 * toExponential take the one farther from zero (1.3). `s` is theirs for `n`, and its digit at
 * `at` stands for 10^`unit`: where n is halfway and that digit is odd, it is one too many. An odd
 * digit is 1 or more, so taking one off never borrows; where their rounding carried into a new
 * digit (9.5 to 10), the digit below was a 9, odd, so up was C's way too.
 */
function halfEven(s: string, n: number, at: number, unit: number): string {
  const d = StringPrototypeCharCodeAt(s, at);
  if ((d & 1) === 0 || !halfway(n, unit)) return s;
  return `${StringPrototypeSlice(s, 0, at)}${StringFromCharCode(d - 1)}${StringPrototypeSlice(s, at + 1)}`;
}

/** The exponent of toExponential's `s`, whose `e` is at `at`. */
function exponentOf(s: string, at: number): number {
  // Read by hand: a slice and its conversion were a third of a %e.
  let x = 0;
  for (let i = at + 2; i < s.length; i++) x = x * 10 + StringPrototypeCharCodeAt(s, i) - 48;
  return StringPrototypeCharCodeAt(s, at + 1) === 45 ? -x : x;
}

/**
 * C's %f of a finite `n` with `f` digits after the point. toFixed prints 1e21 and past as
 * `1e+21`; C prints every digit of the value, which is an integer there.
 */
function fixed(n: number, f: number): string {
  if (n >= 1e21 || n <= -1e21) {
    const digits = BigIntPrototypeToString(SafeBigInt(n));
    return f === 0 ? digits : `${digits}.${StringPrototypeRepeat('0', f)}`;
  }
  const s = NumberPrototypeToFixed(n, f);
  return halfEven(s, n, s.length - 1, -f);
}

/** toExponential(n, f) rounded as C rounds (see halfEven); its exponent is read only for an odd last digit. */
function scientific(n: number, f: number): string {
  const s = NumberPrototypeToExponential(n, f);
  const at = StringPrototypeIndexOf(s, 'e');
  return (StringPrototypeCharCodeAt(s, at - 1) & 1) === 0 ? s : halfEven(s, n, at - 1, exponentOf(s, at) - f);
}

/** C's inf, -inf and nan (INF, NAN for %F %E %G), with the flags that add a sign and no zeros. */
function notFinite(n: number, p: FormatPart): string {
  const flags = p.flags ?? '';
  let s = n !== n ? 'nan' : n > 0 ? 'inf' : '-inf';
  if (p.conv === 'F' || p.conv === 'E' || p.conv === 'G') s = StringPrototypeToUpperCase(s);
  if (n < 0) return pad(s, p, false);
  return pad(StringPrototypeIncludes(flags, '+') ? `+${s}` : StringPrototypeIncludes(flags, ' ') ? ` ${s}` : s, p, false);
}

/** C's %e: the mantissa with `precision` digits after the point (6), the exponent two digits or more. */
function exponential(n: number, precision: number | undefined, alt: boolean): string {
  return twoDigitExponent(withPoint(scientific(n, MathMin(precision ?? 6, MAX_DIGITS)), alt));
}

/**
 * C's %g: P significant digits (6 unless given, 0 taken as 1). With X the exponent %e would print,
 * %e style with P-1 digits after the point when X < -4 or X >= P, else %f style with P-1-X. Unless
 * `#`, the zeros that end the fraction go, and a point left last.
 */
function general(n: number, precision: number | undefined, alt: boolean): string {
  // %f style of X = -4 takes P+3 digits after the point.
  const p = MathMin(precision === undefined ? 6 : precision === 0 ? 1 : precision, MAX_DIGITS - 3);
  const e = scientific(n, p - 1);
  const at = StringPrototypeIndexOf(e, 'e');
  const x = exponentOf(e, at);
  const isFixed = x >= -4 && x < p;
  let digits = isFixed ? fixed(n, p - 1 - x) : StringPrototypeSlice(e, 0, at);
  if (alt) digits = withPoint(digits, true);
  else if (StringPrototypeIncludes(digits, '.')) {
    let end = digits.length;
    while (StringPrototypeCharCodeAt(digits, end - 1) === 48) end--;
    if (StringPrototypeCharCodeAt(digits, end - 1) === 46) end--;
    digits = StringPrototypeSlice(digits, 0, end);
  }
  return isFixed ? digits : twoDigitExponent(digits + StringPrototypeSlice(e, at));
}

/** %u %x %o read a negative integer as bpftrace does, as its 64-bit two's complement: -1 is 2^64-1. */
function unsigned(v: unknown, conv: string | undefined): bigint | number {
  if (typeof v === 'bigint') return v < 0n ? BigIntAsUintN(64, v) : v;
  const n = MathTrunc(num(v, conv));
  return NumberIsFinite(n) && n < 0 ? BigIntAsUintN(64, SafeBigInt(n)) : n;
}

/** A numeric conversion's value: a string is a fault (the compiler refuses one it can see), not NaN. */
function num(v: unknown, conv: string | undefined): number {
  if (typeof v === 'string') throw handlerFault(`printf's %${conv} takes a number, and got the string ${quoted(v)}; print it with %s`);
  return toNumber(v);
}

function convert(p: FormatPart, v: unknown, onAccessor: OnAccessor | undefined): string {
  const flags = p.flags ?? '';
  switch (p.conv) {
    case 's': {
      const s = display(v, onAccessor);
      return pad(p.precision === undefined ? s : StringPrototypeSlice(s, 0, p.precision), p, false);
    }
    case 'c':
      return pad(typeof v === 'string' ? StringPrototypeSlice(v, 0, 1) : StringFromCharCode(toNumber(v)), p, false);
    case 'd':
    case 'i': {
      if (typeof v === 'bigint') return pad(signed(BigIntPrototypeToString(v), SafeNumber(v), flags), p, true);
      const n = MathTrunc(num(v, p.conv));
      return pad(signed(`${n}`, n, flags), p, true);
    }
    case 'u':
      return pad(`${unsigned(v, p.conv)}`, p, true);
    case 'f':
    case 'F': {
      const n = num(v, p.conv);
      if (!NumberIsFinite(n)) return notFinite(n, p);
      const s = withPoint(fixed(n, MathMin(p.precision ?? 6, MAX_DIGITS)), StringPrototypeIncludes(flags, '#'));
      return pad(signed(s, n, flags), p, true);
    }
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      const n = num(v, p.conv);
      if (!NumberIsFinite(n)) return notFinite(n, p);
      const alt = StringPrototypeIncludes(flags, '#');
      const s = p.conv === 'e' || p.conv === 'E' ? exponential(n, p.precision, alt) : general(n, p.precision, alt);
      return pad(signed(p.conv === 'E' || p.conv === 'G' ? StringPrototypeToUpperCase(s) : s, n, flags), p, true);
    }
    case 'x':
    case 'X':
    case 'o': {
      const u = unsigned(v, p.conv);
      // ±Infinity has no digits: a fault (tests count on one). NaN reads as 0.
      const n = typeof u === 'bigint' ? u : SafeBigInt(u || 0);
      let s = BigIntPrototypeToString(n, p.conv === 'o' ? 8 : 16);
      if (p.conv === 'X') s = StringPrototypeToUpperCase(s);
      if (StringPrototypeIncludes(flags, '#') && n !== 0n) s = (p.conv === 'o' ? '0' : p.conv === 'x' ? '0x' : '0X') + s;
      return pad(s, p, true);
    }
    default:
      return '';
  }
}

export function formatPrintf(fmt: string, values: readonly unknown[], onAccessor?: OnAccessor): string {
  let parts = MapPrototypeGet(cache, fmt);
  if (parts === undefined) MapPrototypeSet(cache, fmt, (parts = parsed(fmt)));
  let i = 0;
  let out = '';
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j];
    if (p.text !== undefined) {
      out += p.text;
      continue;
    }
    const c = convert(p, values[i++], onAccessor);
    out += c.length > STRLEN.max ? clip(c) : c;
  }
  return out;
}
