// FNV-1a: a short, cheap name for a longer key (a cache file's), where loading node:crypto for a
// SHA would cost more than what the cache saves. Not for anything an attacker chooses to collide:
// whoever uses it keeps the whole key beside it, or something that tells two keys apart.

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
/** A second offset basis, for a second, independent 32 bits over the same text. */
const OFFSET2 = 0x2f3d1c4b;

const hex8 = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');

/** FNV-1a, 32 bits, of `s`'s UTF-16 code units, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
  return hex8(h);
}

/** FNV-1a over `s` from two offsets at once: 64 bits as 16 hex digits, in one pass. */
export function fnv64(s: string): string {
  let a = OFFSET;
  let b = OFFSET2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, PRIME);
    b = Math.imul(b ^ c, PRIME);
  }
  return hex8(a) + hex8(b);
}
