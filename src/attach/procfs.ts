// What /proc says about a process and the host's TCP sockets, for attach's checks: a process's
// owner, caught signals, executable, open sockets and start time; the listening TCP sockets of
// the network namespace. Parsers are separate from the reads, so that tests can feed them text.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

/** A listening TCP socket: its address as text (`127.0.0.1`, `::`), port and inode. */
export interface Listener {
  address: string;
  port: number;
  inode: string;
}

const LISTEN = '0A';

/** /proc/net/tcp holds each 32-bit word of an address in the host's byte order. */
function word(hex: string): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return endianness() === 'LE' ? b.reverse() : b;
}

function addressOf(hex: string): string {
  if (hex.length === 8) return word(hex).join('.');
  const bytes = [0, 8, 16, 24].flatMap((i) => word(hex.slice(i, i + 8)));
  // An IPv4-mapped address is written as one, so that callers compare it with the IPv4 forms.
  if (bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 255 && bytes[11] === 255) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const text = groups.join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text;
}

/** A TCP socket: its own end, the other end, its state (`0A` listening), its inode (`0` before accept). */
export interface TcpSocket extends Listener {
  remote: string;
  remotePort: number;
  state: string;
}

/** The sockets in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseSockets(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = f[1].split(':');
    const [raddr, rport] = f[2].split(':');
    out.push({ address: addressOf(addr), port: parseInt(port, 16), remote: addressOf(raddr), remotePort: parseInt(rport, 16), state: f[3], inode: f[9] });
  }
  return out;
}

/** The listening sockets in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseListeners(text: string): Listener[] {
  return parseSockets(text).filter((s) => s.state === LISTEN).map(({ address, port, inode }) => ({ address, port, inode }));
}

/** TCP sockets of this network namespace, IPv4 and IPv6. */
export function sockets(): TcpSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => {
    try {
      return parseSockets(readFileSync(f, 'utf8'));
    } catch {
      return [];
    }
  });
}

/** Listening TCP sockets of this network namespace, IPv4 and IPv6. */
export function listeners(): Listener[] {
  return sockets().filter((s) => s.state === LISTEN).map(({ address, port, inode }) => ({ address, port, inode }));
}

/** Addresses whose listener may take a connection to 127.0.0.1. */
const LOOPBACK_REACHABLE = new Set(['127.0.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1', '::ffff:0.0.0.0']);

export function reachesLoopback(l: Listener): boolean {
  return LOOPBACK_REACHABLE.has(l.address);
}

/** Inodes of the sockets process `pid` has open (`socket:[INODE]` links in /proc/PID/fd); empty if unreadable. */
export function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m !== null) out.add(m[1]);
    } catch {
      // Closed since the directory was read.
    }
  }
  return out;
}

/** The process whose open files include socket `inode`, among those this user can see; null if none. */
export function socketOwner(inode: string): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (socketInodes(Number(name)).has(inode)) return Number(name);
  }
  return null;
}

/** A field of /proc/PID/status (`Uid`, `SigCgt`), or null. */
export function statusField(status: string, field: string): string | null {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status);
  return m === null ? null : m[1].trim();
}

export function readStatus(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
}

/** Whether signal number `signo` is in a SigCgt (or SigIgn) mask, a 64-bit hex word. */
export function inMask(mask: string, signo: number): boolean {
  return ((BigInt(`0x${mask}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/** The short name of process `pid` (/proc/PID/comm), or null. */
export function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** When process `pid` started, in clock ticks since boot: with the pid, it names one process even after the pid is reused. */
export function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: fields are counted after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether process `pid`, started at `startTime` (a reused pid is another process), still runs: not gone, nor a zombie. */
export function stillRuns(pid: number, startTime: string): boolean {
  return startTimeOf(pid) === startTime && stateOf(pid) !== 'Z';
}

/** The state letter of process `pid` in /proc/PID/stat (`R`, `S`, `T` stopped, `t` stopped by a tracer, `Z` a zombie), or null. */
export function stateOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

/** The working directory of process `pid`, or null. */
export function cwdOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** argv of process `pid`, or null. */
export function argvOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

/** One variable of process `pid`'s initial environment, or null. */
export function envOf(pid: number, name: string): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? null : entry.slice(name.length + 1);
  } catch {
    return null;
  }
}

/** The network namespace of this process (`net:[4026531833]`): ports are per namespace. */
export function netNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/net');
  } catch {
    return 'net';
  }
}
