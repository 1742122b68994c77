// printf for programs: C's conversions (%s %d %i %u %f %e %g %x %X %o %c) with flags, width and
// precision. Formats are parsed once and cached.

import { parseFormat, type FormatPart } from '../lang/format.js';
import { display, toNumber as num } from './format.js';

const cache = new Map<string, FormatPart[]>();

function pad(s: string, p: FormatPart, numeric: boolean): string {
  const flags = p.flags ?? '';
  const width = p.width ?? 0;
  if (s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(s) ? s[0] : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width);
}

function signed(s: string, n: number, flags: string): string {
  if (n >= 0 && flags.includes('+')) return `+${s}`;
  if (n >= 0 && flags.includes(' ')) return ` ${s}`;
  return s;
}

function convert(p: FormatPart, v: unknown): string {
  const flags = p.flags ?? '';
  switch (p.conv) {
    case 's': {
      const s = display(v);
      return pad(p.precision === undefined ? s : s.slice(0, p.precision), p, false);
    }
    case 'c':
      return pad(typeof v === 'string' ? v.slice(0, 1) : String.fromCharCode(num(v)), p, false);
    case 'd':
    case 'i':
    case 'u': {
      if (typeof v === 'bigint') return pad(signed(String(v), Number(v), flags), p, true);
      const n = Math.trunc(num(v));
      return pad(signed(Number.isFinite(n) ? String(n) : String(n), n, flags), p, true);
    }
    case 'f': {
      const n = num(v);
      return pad(signed(n.toFixed(p.precision ?? 6), n, flags), p, true);
    }
    case 'e':
    case 'E': {
      const n = num(v);
      const s = n.toExponential(p.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      return pad(signed(p.conv === 'E' ? s.toUpperCase() : s, n, flags), p, true);
    }
    case 'g':
    case 'G': {
      const n = num(v);
      const s = String(Number(n.toPrecision(p.precision === 0 ? 1 : (p.precision ?? 6))));
      return pad(signed(p.conv === 'G' ? s.toUpperCase() : s, n, flags), p, true);
    }
    case 'x':
    case 'X':
    case 'o': {
      const n = typeof v === 'bigint' ? v : BigInt(Math.trunc(num(v)) || 0);
      let s = n.toString(p.conv === 'o' ? 8 : 16);
      if (p.conv === 'X') s = s.toUpperCase();
      if (flags.includes('#') && n !== 0n) s = (p.conv === 'o' ? '0' : p.conv === 'x' ? '0x' : '0X') + s;
      return pad(s, p, true);
    }
    default:
      return '';
  }
}

export function formatPrintf(fmt: string, values: readonly unknown[]): string {
  let parts = cache.get(fmt);
  if (parts === undefined) cache.set(fmt, (parts = parseFormat(fmt)));
  let i = 0;
  let out = '';
  for (const p of parts) out += p.text ?? convert(p, values[i++]);
  return out;
}
