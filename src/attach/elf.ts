// What jsprobe reads of a target's binary without running it: its ELF sections, and a search of
// one of them, a chunk at a time. A Node binary is 100 MB and more; only the section asked about
// is read, and only as far as the first match.

import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;

export interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  /** sh_link: for a symbol table, the section of its strings. */
  link: number;
}

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  const n = readSync(fd, b, 0, length, position);
  return b.subarray(0, n);
}

/** The sections of the 64-bit ELF file open as `fd`, or null if it is not one (or has no section headers). */
function sectionsOf(fd: number): Section[] | null {
  const h = readAt(fd, 64, 0);
  // ELF, 64-bit (class 2); the byte order of its fields (data 1: little-endian).
  if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return null;
  const le = h[5] === 1;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const shoff = u64(h, 0x28);
  const shentsize = u16(h, 0x3a);
  const shnum = u16(h, 0x3c);
  const shstrndx = u16(h, 0x3e);
  if (shoff === 0 || shnum === 0 || shentsize < 64) return null;
  const table = readAt(fd, shentsize * shnum, shoff);
  const count = Math.min(shnum, Math.floor(table.length / shentsize));
  const raw = Array.from({ length: count }, (_, i) => table.subarray(i * shentsize, (i + 1) * shentsize));
  const names = shstrndx < count ? readAt(fd, Math.min(u64(raw[shstrndx], 0x20), CHUNK), u64(raw[shstrndx], 0x18)) : Buffer.alloc(0);
  return raw.map((s) => {
    const at = u32(s, 0);
    const end = names.indexOf(0, at);
    return {
      name: at < names.length && end >= 0 ? names.toString('latin1', at, end) : '',
      type: u32(s, 4), offset: u64(s, 0x18), size: u64(s, 0x20), link: u32(s, 0x28),
    };
  });
}

/**
 * Where in section `s` of `fd` the first `needle` is (an offset in the file), and up to `tail`
 * bytes from there; null if it is not there.
 */
function find(fd: number, s: Section, needle: Buffer, tail: number): Buffer | null {
  for (let at = 0; at < s.size; at += CHUNK - needle.length - tail) {
    const b = readAt(fd, Math.min(CHUNK, s.size - at), s.offset + at);
    const i = b.indexOf(needle);
    if (i >= 0) return readAt(fd, needle.length + tail, s.offset + at + i);
    if (b.length < CHUNK) return null;
  }
  return null;
}

/**
 * Open the ELF file at `path` and search it: `pick` chooses the section among its sections, and
 * `needle` is looked for there, with `tail` bytes after it. Undefined when the file cannot be read
 * or is no 64-bit ELF with sections (or `pick` chose none); null when the needle is not there.
 */
export function searchElf(path: string, pick: (sections: Section[]) => Section | undefined, needle: Buffer, tail = 0): Buffer | null | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const sections = sectionsOf(fd);
    const s = sections === null ? undefined : pick(sections);
    return s === undefined ? undefined : find(fd, s, needle, tail);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
