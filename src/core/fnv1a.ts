// FNV-1a, 32 bits: a short, cheap name for a longer key (a cache file's), where loading
// node:crypto for a SHA would cost more than what the cache saves. Not for anything an attacker
// chooses to collide: whoever uses it keeps the whole key beside it, or something that tells two
// keys apart.

/** FNV-1a, 32 bits, of `s`'s UTF-16 code units, as 8 hex digits. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
