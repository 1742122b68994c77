// FNV-1a: a short, cheap name for a longer key (a cache file's), where loading node:crypto for a
// SHA would cost more than what the cache saves. Not for anything an attacker chooses to collide:
// whoever uses it keeps the whole key beside it, or something that tells two keys apart.


import { MathImul, NumberPrototypeToString, StringPrototypeCharCodeAt, StringPrototypePadStart } from './primordials.js';
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
/** A second offset basis, for a second, independent 32 bits over the same text. */
const OFFSET2 = 0x2f3d1c4b;

// Captured: a small module's cache key is hashed in the program's thread as it loads (sites/hooks/rewrite-cache.ts).
const hex8 = (h: number): string => StringPrototypePadStart(NumberPrototypeToString(h >>> 0, 16), 8, '0');

/** FNV-1a, 32 bits, of `s`'s UTF-16 code units, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = OFFSET;
  for (let i = 0; i < s.length; i++) h = MathImul(h ^ StringPrototypeCharCodeAt(s, i), PRIME);
  return hex8(h);
}

/** FNV-1a over `s` from two offsets at once: 64 bits as 16 hex digits, in one pass. */
export function fnv64(s: string): string {
  let a = OFFSET;
  let b = OFFSET2;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    a = MathImul(a ^ c, PRIME);
    b = MathImul(b ^ c, PRIME);
  }
  return hex8(a) + hex8(b);
}
