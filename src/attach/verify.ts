// Checks made before jsprobe trusts a process or a port: the target is ours, runs a Node binary
// (judged by the binary's content, not by a name anyone can choose with `exec -a`) and catches
// SIGUSR1; the socket listening on the inspector port is the target's own. Each failure is one
// line (AttachError, exit 1), and it comes before any signal or byte is sent.

import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { AttachError } from './attach-error.js';
import { searchElf, type Section } from './elf.js';
import { argvOf, commOf, inMask, listeners, reachesLoopback, readStatus, socketInodes, socketOwner, statusField, type Listener } from './procfs.js';

const SIGUSR1 = 10;
/** The mangled prefix of every `node::` symbol: a Node binary (or the libnode it links) exports or imports them. */
const NODE_SYMBOL = Buffer.from('_ZN4node');
const SHT_DYNSYM = 11;
/** What Node's inspector answers /json/version with, compiled into the binary: `"Browser": "node.js/v24.22.3"`. */
const INSPECTOR_BROWSER = Buffer.from('node.js/v');

/**
 * Whether the ELF file at `path` is a Node binary: its dynamic string table names `node::`
 * symbols. That table is a few MB of a 100 MB binary, so only it is read, and only as far as the
 * first match. Other files (not ELF, 32-bit, no section headers) are not Node to jsprobe.
 */
export function isNodeBinary(path: string): boolean {
  const strings = (sections: Section[]): Section | undefined => {
    const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
    return dynsym === undefined ? undefined : sections[dynsym.link];
  };
  return (searchElf(path, strings, NODE_SYMBOL) ?? null) !== null;
}

/**
 * The version of the Node binary at `path` (`24.22.3`), read from its read-only data without
 * running it (a single executable application would run the program's own code for `--version`),
 * or null if it cannot be found.
 */
export function nodeVersionOf(path: string): string | null {
  const found = searchElf(path, (sections) => sections.find((s) => s.name === '.rodata'), INSPECTOR_BROWSER, 16);
  if (found === null || found === undefined) return null;
  return /^node\.js\/v(\d+\.\d+\.\d+)/.exec(found.toString('latin1'))?.[1] ?? null;
}

function exeOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return commOf(pid) ?? 'unknown';
  }
}

function noSuchProcess(pid: number): never {
  throw new AttachError(`no process with pid ${pid}`);
}

/**
 * The pid must exist, belong to this user (real and effective uid), run a Node binary, and catch
 * SIGUSR1 (a process that does not would be killed by it). Throws the first that fails.
 */
export function checkTarget(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') noSuchProcess(pid);
    if (code !== 'EPERM') throw e;
  }
  if (readStatus(process.pid) === null) throw new AttachError('jsprobe -p needs /proc (Linux) to check the process before it signals it');
  const status = readStatus(pid);
  if (status === null) noSuchProcess(pid);
  const uids = (statusField(status, 'Uid') ?? '').split(/\s+/).map(Number);
  const me = process.getuid?.() ?? -1;
  if (uids[0] !== me || uids[1] !== me) {
    throw new AttachError(`process ${pid} belongs to another user (uid ${uids[0]}): jsprobe attaches only to your own processes`);
  }
  if (!isNodeBinary(`/proc/${pid}/exe`)) {
    throw new AttachError(`process ${pid} is not a Node process (${exeOf(pid)} is not a Node binary): jsprobe did not signal it`);
  }
  const caught = statusField(status, 'SigCgt');
  if (caught === null || !inMask(caught, SIGUSR1)) {
    throw new AttachError(`process ${pid} does not catch SIGUSR1 (started with --disable-sigusr1, or still starting up): jsprobe did not signal it`);
  }
}

/** The listening sockets that a connection to 127.0.0.1:`port` may reach. */
export function loopbackListeners(port: number): Listener[] {
  return listeners().filter((l) => l.port === port && reachesLoopback(l));
}

/** Who holds a listening socket, for a message: `process 123 (node)`, or that it cannot be seen. */
export function describeOwner(inode: string): string {
  const owner = socketOwner(inode);
  return owner === null ? 'a process jsprobe cannot see (another user\'s?)' : `process ${owner} (${commOf(owner) ?? 'unknown'})`;
}

/** The longest command line a message quotes of a process. */
const SHOWN_COMMAND = 120;

/**
 * Process `owner`, which holds a port, for the message that it is taken: `process 123 (node
 * other.js --port 9229)`, by its command line (its program by its file name) where it can be
 * read, else by its short name.
 */
function describeHolder(owner: number): string {
  const argv = argvOf(owner);
  if (argv === null || argv.length === 0) return `process ${owner} (${commOf(owner) ?? 'unknown'})`;
  const command = [basename(argv[0]), ...argv.slice(1)].join(' ');
  return `process ${owner} (${command.length > SHOWN_COMMAND ? `${command.slice(0, SHOWN_COMMAND - 1)}…` : command})`;
}

/**
 * What a user can do when another process holds the port a target's inspector opens on. A running
 * process cannot be given another port: SIGUSR1 carries nothing, and Node opens the inspector on
 * the port of its options (its --inspect-port, else 9229), which only code run inside it can
 * change (`process.debugPort`), and jsprobe has no way in before the inspector is open.
 */
function heldAdvice(pid: number, port: number, holder: number | null): string {
  const free = holder === null ? 'free that port' : `free that port (stop process ${holder}, or move it to another)`;
  return `process ${pid}'s inspector opens only on ${port} (its --inspect-port, else Node's default; a running process cannot be given `
    + `another), so ${free}, or restart the program with --inspect-port=PORT (or NODE_OPTIONS=--inspect-port=PORT), a free port, which jsprobe -p then uses`;
}

/** How many times a port's listeners and the target's sockets are read before a listener is judged another process's. */
const READS = 3;

/**
 * Whether 127.0.0.1:`port` is process `pid`'s: 'yes' when every socket listening there is one
 * of its open files, 'none' when nothing listens; otherwise the throw names the holder, and what to do.
 */
export function portOwnedBy(pid: number, port: number): 'yes' | 'none' {
  let foreign: { inode: string } | undefined;
  // Two reads of /proc, not one: a socket of the target's that opened or closed between them (its
  // inspector closing itself after a killed jsprobe's load) looks like another process's. Judged
  // foreign only when the reads agree READS times in a row.
  for (let i = 0; i < READS; i++) {
    const found = loopbackListeners(port);
    if (found.length === 0) return 'none';
    const mine = socketInodes(pid);
    foreign = found.find((l) => !mine.has(l.inode));
    if (foreign === undefined) return 'yes';
  }
  const holder = socketOwner(foreign!.inode);
  const who = holder === null ? describeOwner(foreign!.inode) : describeHolder(holder);
  throw new AttachError(`port ${port} on 127.0.0.1 is held by ${who}, not by process ${pid}: jsprobe sent nothing to it; ${heldAdvice(pid, port, holder)}`);
}
