// The agent's way out to the `jsprobe -c` command: JSON lines on a file descriptor (fd 3), through
// a bounded buffer, so that a command that reads slowly (a slow terminal, a stopped pager, a full
// pipe downstream) never holds the traced program. When the buffer is full a whole event is
// dropped and counted, and the count goes to the command ({t:'lost'}), which says "Lost N events",
// as bpftrace does. docs/cli.md ("Output") says why it is built this way.

import { Buffer } from 'node:buffer';
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { inJob } from '../core/job.js';
import { now } from '../core/clock.js';
import { clearTimeoutSafe, MathMin, NumberIsInteger, setTimeoutSafe, StringPrototypeStartsWith } from '../core/primordials.js';
import { encodeMessage, type Message, type Sender } from './messages.js';
import { bare } from './safe-methods.js';

/** What the buffer holds at most, in bytes, past what the pipe itself holds (docs/cli.md says why 4 MiB). */
export const DEFAULT_BUFFER_BYTES = 4 << 20;
/** While something waits in the buffer, the pipe is tried this often (and at every send). */
const RETRY_MS = 20;
/** After the pipe was found full, messages queue (or drop) without trying it for this long. */
const RETRY_FULL_MS = 1;
/** Drops are reported at most this often while they happen, and always at the end. */
const REPORT_EVERY_MS = 1000;
/** At the end, how long the agent waits for a command that reads nothing at all before it gives up. */
export const FINAL_STALL_MS = 5000;

// Captured at load, before the program's code runs: it could replace the statics.
const byteLength = Buffer.byteLength;
const bufferFrom = Buffer.from;
const nap = new Int32Array(new SharedArrayBuffer(4));
/** Sends that may land inside one send (a profile slice's printfs); past it they are dropped and counted. */
const MAX_LATER = 4096;
/** A write of the queue takes its lines up to this many bytes at once (#batch): about what an empty socketpair holds. */
const BATCH_BYTES = 256 << 10;
/**
 * A run of lines: each sent within HOLD_MS of the one before. Its first RUN_AT_ONCE go at once, as
 * a line on its own does; past them (a burst of printfs) a line waits with those that follow it
 * (#hold), and what waits goes out in one write when the program's synchronous stretch ends (a
 * promise job), at a send once it has waited HOLD_MS, or once it is a write's worth (#holdBytes): a
 * write(2) costs the program more than the rest of a printf (docs/benchmarks.md, #bench-batch).
 */
const HOLD_MS = 1;
const RUN_AT_ONCE = 8;
/** How a line of trace text begins (encodeMessage): what cut() drops. */
const OUT_LINE = '{"t":"out",';

/** The sender's steps (#step): a send, the end's finish(), its reportLost(). */
const SEND = 0;
const FINISH = 1;
const REPORT = 2;
type Step = typeof SEND | typeof FINISH | typeof REPORT;

/** writeSync's answer: bytes written, or the pipe is full (FULL) or gone (GONE). */
const FULL = -1;
const GONE = -2;

export interface FdSenderOptions {
  /** The buffer's bound in bytes (DEFAULT_BUFFER_BYTES). */
  bytes?: number;
  /** The command is gone (the pipe broke): told once, and nothing is sent from then on. */
  gone?: () => void;
  /**
   * What holds the descriptor (a connected net.Socket, non-blocking already): the sender opens
   * no handle of its own on it, and close() destroys this one, which closes the descriptor once.
   */
  holder?: { destroy(): void };
}

/**
 * Messages as JSON lines on `fd`, or their text on stderr without one. The descriptor is made
 * non-blocking on first use; a line is written at once when nothing waits before it and it is not
 * deep in a run of lines (HOLD_MS), else queued if it fits the bound, else dropped and counted. A line the pipe has begun to take is always
 * finished (a JSON line is never cut), so the queue may exceed the bound by one line.
 */
export class FdSender implements Sender {
  readonly #fd: number;
  readonly #bytes: number;
  /** What waits is written once it is this many bytes, well inside the bound: a run of lines held never reaches it. */
  readonly #holdBytes: number;
  readonly #gone: () => void;
  #state: 'new' | 'open' | 'closed' = 'new';
  /** Holds the descriptor in non-blocking mode; nothing is read or written through it. */
  #handle: { destroy(): void } | undefined;
  readonly #holder: { destroy(): void } | undefined;
  /** Lines waiting, oldest first from #head, and their sizes in bytes. */
  #queue: string[] = [];
  #sizes: number[] = [];
  #head = 0;
  /**
   * The unwritten end (from byte #restAt of #restSize) of a line the pipe took part of: it goes
   * first. Kept as the line's text until it is next written, so that recording it makes no call.
   */
  #rest: string | Buffer | null = null;
  #restAt = 0;
  #restSize = 0;
  /** Bytes waiting, #rest included. */
  #queued = 0;
  /** Events dropped and not reported yet; all dropped so far. */
  #lost = 0;
  #lostTotal = 0;
  /** Dropped events reported while they happen: the count goes ahead of the queue (#flush), not behind megabytes of trace. */
  #lostAhead = 0;
  #reportedAt = -Infinity;
  /** When a write last found the pipe full. */
  #fullAt = -Infinity;
  /** The end has come: sends wait for the command (finish()); set when it stopped reading. */
  #final = false;
  #stalled = false;
  #stallMs = FINAL_STALL_MS;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The retry timer is asked for (from a job, see #arm). */
  #armed = false;
  /**
   * Set while a send or the retry timer's flush is under way. Under -c a busy main thread's
   * profile tick runs profile:hz:N's handlers as an interrupt, at any function entry, jsprobe's
   * own included, and their printfs send from there. Landing inside a send's write(2) of a line
   * the pipe had taken part of, a send that flushed wrote that line's rest, and the outer write
   * then wrote it again: the command read a broken line. What lands there waits in #later.
   */
  #busy = false;
  #later: Message[] | null = null;
  /** The next of #later to go (each goes once, whichever send gets to it). */
  #laterAt = 0;
  /**
   * The end (finish()) came inside a send: a busy program's Ctrl-C runs it as an interrupt, which
   * may land there. The end's own sends (END's output, the maps, the last count) then go at once,
   * not after the send under way: the program is killed as soon as the stop has answered, and the
   * send it interrupted may never get to them. What lands inside one of those still waits.
   */
  #endInside = false;
  /** Inside one of the end's own sends (when #endInside): what lands there waits. */
  #endBusy = false;
  /**
   * A write(2) is under way and what the pipe took of it is not recorded yet: of #rest, of the
   * queue's first line, or of a send's own line. An end that lands there cannot know how much of
   * that line went, and #seal()s it; the write's caller then leaves it alone (#seals moved).
   */
  #writing: 'rest' | 'head' | 'line' | null = null;
  /** The lines from the queue's head in the write under way (#batch), and their bytes. */
  #batchLines = 0;
  #batchSize = 0;
  #seals = 0;
  /** When the last send came, and how many in a row came each within HOLD_MS of the one before. */
  #sentAt = -Infinity;
  #run = 0;
  /** When what waits was last tried (or began to wait): a send tries it again HOLD_MS later. */
  #triedAt = -Infinity;
  /** The job that writes what waits at the end of the program's synchronous stretch is asked for. */
  #turnAsked = false;
  readonly #turnEnd = (): void => {
    this.#turnAsked = false;
    if (this.#queued > 0 && !this.#final && now() - this.#fullAt >= RETRY_FULL_MS) this.#flushOut();
  };

  constructor(fd: number, options: FdSenderOptions = {}) {
    this.#fd = fd;
    this.#bytes = options.bytes ?? DEFAULT_BUFFER_BYTES;
    this.#holdBytes = MathMin(BATCH_BYTES, this.#bytes >> 2);
    this.#gone = options.gone ?? (() => {});
    this.#holder = options.holder;
  }

  /** Events dropped so far because the buffer was full (their own and those added by dropped()). */
  get lost(): number {
    return this.#lostTotal;
  }

  send(m: Message): void {
    this.#step(SEND, m);
  }

  /**
   * One of the sender's steps (a send, the end's finish or last count), so that what lands inside
   * it (a send from an interrupt) waits and goes after it. The end's steps go at once even when
   * the end itself landed inside a step (#endInside); what lands inside those waits too.
   */
  #step(step: Step, m: Message | null): void {
    if (this.#busy) {
      if (step !== SEND) this.#endInside = true;
      if (!this.#endInside || this.#endBusy) return step === SEND ? this.#defer(m!) : undefined;
      this.#endBusy = true;
      try {
        this.#do(step, m);
      } finally {
        this.#endBusy = false;
      }
      return;
    }
    this.#busy = true;
    try {
      this.#do(step, m);
      this.#sendLater();
    } finally {
      this.#later = null;
      this.#laterAt = 0;
      this.#busy = false;
    }
  }

  #do(step: Step, m: Message | null): void {
    if (step === SEND) return this.#send(m!);
    this.#report(true, step === FINISH);
    this.#drain();
  }

  /** A send that landed inside another (or inside the retry timer's flush): it goes after that one. */
  #defer(m: Message): void {
    if (this.#state === 'closed') return;
    const later = this.#later ??= bare<Message>();
    if (later.length >= MAX_LATER) return this.#drop(m.t === 'spans' ? m.n : 1);
    later[later.length] = m;
  }

  /** What landed inside the send or flush that is ending, in order (more may land meanwhile); its caller's `finally` lets go of the list. */
  #sendLater(): void {
    const later = this.#later;
    if (later === null) return;
    while (this.#laterAt < later.length) this.#send(later[this.#laterAt++]);
  }

  #send(m: Message): void {
    if (this.#state === 'closed') return;
    if (!this.#usable()) {
      if (m.t === 'out' || m.t === 'err' || m.t === 'fatal') process.stderr.write(m.text);
      return;
    }
    if (this.#state === 'new') this.#open();
    if (this.#final) return this.#sendFinal(m);
    const t = now();
    if (this.#lost !== 0) this.#report(false, false, t);
    this.#run = t - this.#sentAt < HOLD_MS ? this.#run + 1 : 1;
    this.#sentAt = t;
    if (this.#queued > 0 || this.#run > RUN_AT_ONCE) return this.#hold(m, t);
    this.#sendNow(m);
  }

  /**
   * Behind what waits, or deep in a run of lines: `m` waits, and goes out with the lines around it.
   * What waits is tried at most every HOLD_MS (a full pipe tried at every message would cost a
   * failed write(2) and a thrown error each, while the events queue or drop all the same), or
   * once it fills a write, and at the end of the program's synchronous stretch.
   */
  #hold(m: Message, t: number): void {
    if (this.#queued === 0) this.#triedAt = t;
    // Sure not to fit with what waits (its JSON is longer than its text): dropped before it is encoded.
    if (m.t === 'out' && this.#queued + m.text.length > this.#bytes) {
      this.#drop();
    } else {
      const line = `${encodeMessage(m)}\n`;
      this.#enqueueOrDrop(line, byteLength(line), m.t === 'spans' ? m.n : 1);
    }
    if ((t - this.#triedAt >= HOLD_MS || this.#queued >= this.#holdBytes) && t - this.#fullAt >= RETRY_FULL_MS) {
      this.#triedAt = t;
      if (this.#flush()) return;
      // The pipe is full: what waits is tried again on the timer, as the pipe empties.
      this.#arm();
    }
    if (this.#turnAsked || this.#queued === 0 || this.#state !== 'open') return;
    // From a job (core/job.ts): the program's stretch may be Node's own code, a send an interrupt.
    this.#turnAsked = true;
    inJob(this.#turnEnd);
  }

  /** A line with nothing waiting before it: written at once. */
  #sendNow(m: Message): void {
    const line = `${encodeMessage(m)}\n`;
    const size = byteLength(line);
    const seals = this.#seals;
    this.#writing = 'line';
    const n = this.#write(line, 0, size);
    if (this.#seals !== seals) return void this.#afterSeal(n, size);
    this.#writing = null;
    if (n === GONE || n === size) return;
    if (n === FULL) {
      this.#enqueueOrDrop(line, size, m.t === 'spans' ? m.n : 1);
      return this.#arm();
    }
    // The pipe took the start of it: the rest must follow, whatever the bound.
    this.#rest = line;
    this.#restAt = n;
    this.#restSize = size;
    this.#queued += size - n;
    this.#arm();
  }

  #sendFinal(m: Message): void {
    if (this.#stalled) return this.#drop(m.t === 'spans' ? m.n : 1);
    const line = `${encodeMessage(m)}\n`;
    this.#push(line, byteLength(line));
    this.#drain();
  }

  /**
   * Send `m` only where it goes out now, nothing waiting before it, and it is at most `maxBytes`
   * as a line: for a message that the next one replaces (a backup of the maps), which a full pipe
   * should skip, not queue or drop and count as a lost event. Whether it was sent.
   */
  sendIfClear(m: Message, maxBytes: number): boolean {
    if (this.#busy || this.#final || this.#state === 'closed' || this.#queued > 0 || this.#later !== null || this.#lost !== 0) return false;
    // No larger than a pipe takes at once when empty: the rest of a line the pipe took part of
    // goes before anything else, and while it is there the events behind it queue or drop.
    if (byteLength(`${encodeMessage(m)}\n`) > maxBytes) return false;
    this.send(m);
    return true;
  }

  /**
   * Ctrl-C: the trace lines that wait are dropped (not the rest of one the pipe has begun, nor the
   * other messages: the counts, the maps' backups); how many. The command prints what the socket
   * holds already, and the end, without waiting for a backlog that a slow reader may take seconds
   * over. Inside a step (an interrupt: a busy program's stop) it drops nothing: 0.
   */
  cut(): number {
    if (this.#busy || this.#state !== 'open') return 0;
    // What the pipe takes now is not a backlog: a run of lines held when a busy program is stopped
    // (the last it printed before it hung, say) goes first.
    this.#flushOut();
    const queue: string[] = [];
    const sizes: number[] = [];
    let cut = 0;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const line = this.#queue[i];
      if (StringPrototypeStartsWith(line, OUT_LINE)) {
        cut++;
        this.#queued -= this.#sizes[i];
      } else {
        queue[queue.length] = line;
        sizes[sizes.length] = this.#sizes[i];
      }
    }
    this.#queue = queue;
    this.#sizes = sizes;
    this.#head = 0;
    return cut;
  }

  /** Add `n` events dropped elsewhere (a worker thread's full ring) to the count reported. */
  dropped(n: number): void {
    if (n <= 0 || this.#state === 'closed') return;
    this.#lost += n;
    this.#lostTotal += n;
    this.#arm();
  }

  /**
   * The end (END's output and the maps come next): deliver what waits, and from now on every
   * message, blocking. The command is reading (it waits for the program to end), so this is
   * quick; it stops at once if the command is gone, and for good after `stallMs` in which the
   * command took nothing at all (a stopped pager). Drops are reported after what follows.
   */
  finish(stallMs = FINAL_STALL_MS): void {
    // Before anything was sent (a program that does not compile): its one message must wait too.
    if (this.#state === 'new' && this.#usable()) this.#open();
    if (this.#state !== 'open') return;
    this.#final = true;
    this.#stallMs = stallMs;
    this.#step(FINISH, null);
  }

  /** The last message: what was dropped, delivered as the rest (blocking). */
  reportLost(): void {
    if (this.#state !== 'open' || this.#stalled) return;
    this.#step(REPORT, null);
  }

  /** Write all that waits, blocking, unless the command takes nothing for #stallMs. */
  #drain(): void {
    let progressAt = now();
    while (this.#queued > 0 && this.#state === 'open') {
      const before = this.#queued;
      if (this.#flush()) return;
      const t = now();
      if (this.#queued < before) {
        progressAt = t;
      } else if (t - progressAt >= this.#stallMs) {
        this.#stalled = true;
        return;
      }
      Atomics.wait(nap, 0, 0, 2);
    }
  }

  /** `events`: a batch of span records (--otlp) counts as its calls. */
  #drop(events = 1): void {
    this.#lost += events;
    this.#lostTotal += events;
  }

  /** Send nothing more; what waits is dropped, and the descriptor is closed. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    // The socket and the timer from a job (core/job.ts): a write that finds the command gone may
    // be one made from an interrupt (a busy program's Ctrl-C, agent-session.ts), inside Node's own
    // code. Nothing is sent from here on, so nothing needs them meanwhile.
    const handle = this.#handle;
    const timer = this.#timer;
    this.#handle = undefined;
    this.#timer = undefined;
    inJob(() => {
      handle?.destroy();
      if (timer !== undefined) clearTimeoutSafe(timer);
    });
    this.#queue = [];
    this.#sizes = [];
    this.#rest = null;
    this.#writing = null;
    this.#queued = 0;
  }

  /** A descriptor of jsprobe's own: not one of the program's stdio, which it could not share. */
  #usable(): boolean {
    return NumberIsInteger(this.#fd) && this.#fd > 2;
  }

  #open(): void {
    this.#state = 'open';
    if (this.#holder !== undefined) {
      this.#handle = this.#holder;
      return;
    }
    try {
      // Node has no fcntl: a net.Socket on the descriptor has libuv make it non-blocking (fd 3 is
      // one end of a socketpair, which /proc/self/fd cannot reopen). On a file it throws: writes
      // to a file do not wait on a reader anyway.
      const handle = new Socket({ fd: this.#fd, readable: false, writable: true });
      handle.on('error', () => {});
      handle.unref();
      this.#handle = handle;
    } catch {
      this.#handle = undefined;
    }
  }

  /** Bytes of `data` (from `at`, `size` in all) the pipe took now, or FULL, or GONE. */
  #write(data: string | Buffer, at: number, size: number): number {
    try {
      return typeof data === 'string' ? writeSync(this.#fd, data) : writeSync(this.#fd, data, at, size - at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        this.#fullAt = now();
        return FULL;
      }
      this.close();
      this.#gone();
      return GONE;
    }
  }

  #enqueueOrDrop(line: string, size: number, events: number): void {
    if (this.#queued + size > this.#bytes) {
      this.#drop(events);
    } else {
      this.#push(line, size);
    }
  }

  #push(line: string, size: number): void {
    this.#queue[this.#queue.length] = line;
    this.#sizes[this.#sizes.length] = size;
    this.#queued += size;
  }

  /** Write what waits, as far as the pipe takes it: true once nothing waits. */
  #flush(): boolean {
    // Only the end runs a flush inside a write (as an interrupt, a busy program's Ctrl-C).
    if (this.#writing !== null) this.#seal();
    // The rest of a line begun, then the count of drops reported as they happen (#lostFirst), then the queue.
    for (let rest = this.#lostFirst(); rest !== null; rest = this.#lostFirst()) {
      const size = this.#restSize;
      if (typeof rest === 'string' && this.#restAt > 0) {
        const bytes = bufferFrom(rest, 'utf8');
        // Written meanwhile, by an end that landed inside that call.
        if (this.#rest !== rest) return false;
        this.#rest = rest = bytes;
      }
      const seals = this.#seals;
      this.#writing = 'rest';
      const n = this.#write(rest, this.#restAt, size);
      if (this.#seals !== seals) return this.#afterSeal(n, size - this.#restAt);
      this.#writing = null;
      if (n < 0) return false;
      this.#queued -= n;
      this.#restAt += n;
      if (this.#restAt < size) return false;
      this.#rest = null;
    }
    while (this.#head < this.#queue.length) {
      const seals = this.#seals;
      // From here until what the pipe took is recorded, an end that lands (an interrupt, at a
      // call or a loop's turn) seals the lines of the batch not recorded yet.
      this.#batchLines = 1;
      this.#writing = 'head';
      const batch = this.#batch();
      if (this.#seals !== seals) return false;
      const n = this.#write(batch, 0, this.#batchSize);
      if (this.#seals !== seals) return this.#afterSeal(n, this.#batchSize);
      const all = n >= 0 && this.#took(n, seals);
      if (this.#seals !== seals) return false;
      this.#writing = null;
      if (!all) return this.#compact();
    }
    this.#queue = [];
    this.#sizes = [];
    this.#head = 0;
    return this.#state === 'open';
  }

  /**
   * The queue's first lines as one string, up to BATCH_BYTES (at least one line): one write(2)
   * for many lines. A socketpair counts each write as a buffer of its own, with some hundreds of
   * bytes of overhead, so that written a line at a time its ~200 KB hold only a few hundred short
   * lines, and the queue drained at that many a retry (~15,000 lines/s; docs/benchmarks.md, bench:drain).
   */
  #batch(): string {
    let at = this.#head;
    let batch = this.#queue[at];
    let size = this.#sizes[at];
    const end = this.#queue.length;
    while (++at < end && size + this.#sizes[at] <= BATCH_BYTES) {
      batch += this.#queue[at];
      size += this.#sizes[at];
    }
    this.#batchLines = at - this.#head;
    this.#batchSize = size;
    return batch;
  }

  /**
   * The pipe took `n` bytes of the batch: its lines that went whole leave the queue, and one it
   * took part of is the rest. True if all went. Line by line, so that a seal (#seal) landing
   * meanwhile finds in #batchLines the lines not recorded yet; it stops then.
   */
  #took(n: number, seals: number): boolean {
    while (this.#batchLines > 0 && this.#seals === seals) {
      const size = this.#sizes[this.#head];
      if (n < size) {
        // Not begun (n = 0): it stays first in the queue; begun, the rest of it goes first.
        if (n === 0) return false;
        this.#rest = this.#queue[this.#head];
        this.#restAt = n;
        this.#restSize = size;
        this.#queued -= n;
        this.#queue[this.#head++] = '';
        this.#batchLines = 0;
        // All recorded: a seal from here on would cut the rest short.
        this.#writing = null;
        return false;
      }
      n -= size;
      this.#queued -= size;
      this.#queue[this.#head++] = '';
      this.#batchLines--;
    }
    return true;
  }

  /**
   * The end landed inside a write whose outcome is not recorded: none, part or all of that line
   * may be in the pipe. It is given up (counted lost, though it may have gone whole), and a newline
   * goes first, which ends whatever part of it the pipe took: the command drops that broken line
   * (message-reader.ts), and where the pipe took none or all of it, skips the empty one.
   */
  #seal(): void {
    const writing = this.#writing;
    this.#writing = null;
    this.#seals++;
    if (writing === 'rest' && this.#rest !== null) {
      this.#queued -= this.#restSize - this.#restAt;
      this.#rest = null;
    } else if (writing === 'head') {
      // The lines of the batch under way (#batch) not recorded yet: each may or may not have gone.
      const lines = this.#batchLines;
      this.#batchLines = 0;
      for (let i = 0; i < lines && this.#head < this.#queue.length; i++) {
        this.#queued -= this.#sizes[this.#head];
        this.#queue[this.#head++] = '';
      }
      this.#drop(lines);
      return this.#newlineFirst();
    }
    this.#drop();
    this.#newlineFirst();
  }

  /**
   * Back in a write that the end sealed (#seal) meanwhile, with what the pipe took (`n` of `size`
   * bytes): where that was part of the line, and it went after the end's own lines, it is ended too.
   */
  #afterSeal(n: number, size: number): false {
    if (n > 0 && n < size && this.#rest === null) this.#newlineFirst();
    return false;
  }

  #newlineFirst(): void {
    this.#rest = '\n';
    this.#restAt = 0;
    this.#restSize = 1;
    this.#queued += 1;
  }

  /** Forget the lines written, now and then, so that a queue that never empties does not grow. */
  #compact(): false {
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      const queue: string[] = [];
      const sizes: number[] = [];
      for (let i = this.#head; i < this.#queue.length; i++) {
        queue[queue.length] = this.#queue[i];
        sizes[sizes.length] = this.#sizes[i];
      }
      this.#queue = queue;
      this.#sizes = sizes;
      this.#head = 0;
    }
    return false;
  }

  /** Queue a report of the drops not reported yet: when due (or forced), and when there is room for it. `end`: the last before the end. */
  #report(force: boolean, end = false, t = now()): void {
    if ((this.#lost === 0 && !end) || this.#state !== 'open') return;
    if (!force) {
      if (t - this.#reportedAt < REPORT_EVERY_MS) return;
      // As it happens: ahead of what waits (a count, which nothing else depends the order of).
      this.#lostAhead += this.#lost;
      this.#lost = 0;
      this.#reportedAt = t;
      return void this.#lostFirst();
    }
    const line = `${encodeMessage(end ? { t: 'lost', n: this.#lost, end } : { t: 'lost', n: this.#lost })}\n`;
    this.#lost = 0;
    this.#reportedAt = t;
    this.#push(line, byteLength(line));
  }

  /**
   * The count reported as it happens goes next (as #rest, written from its start), unless the rest of a
   * line the pipe has begun comes first: then right after it. What goes first now.
   */
  #lostFirst(): string | Buffer | null {
    if (this.#lostAhead === 0 || this.#rest !== null || this.#state !== 'open') return this.#rest;
    const line = `${encodeMessage({ t: 'lost', n: this.#lostAhead })}\n`;
    this.#lostAhead = 0;
    this.#rest = line;
    this.#restAt = 0;
    this.#restSize = byteLength(line);
    this.#queued += this.#restSize;
    this.#arm();
    return line;
  }

  /** Keep trying while something waits: an unref'd timer, so it never keeps the program alive. */
  #arm(): void {
    // Past finish() every send writes at once, blocking, and the drops go out with reportLost():
    // no timer, which the end may come too late for (it may run as an interrupt, agent-session.ts).
    if (this.#armed || this.#state !== 'open' || this.#final) return;
    this.#armed = true;
    // From a job (core/job.ts): a send may run as an interrupt (a profile tick's printf), inside
    // Node's own timer code, where a timer inserted corrupts Node's timer lists.
    inJob(() => {
      if (this.#state !== 'open' || this.#final) return void (this.#armed = false);
      const timer = setTimeoutSafe(() => this.#retry(), RETRY_MS);
      timer.unref();
      this.#timer = timer;
    });
  }

  #retry(): void {
    this.#timer = undefined;
    this.#armed = false;
    this.#flushOut();
  }

  /** Write what waits (the retry timer, the end of a stretch), with what lands meanwhile after it. */
  #flushOut(): void {
    // From a timer, a job or cut(), none of which runs inside a step: were one to, it would end that step's #busy early.
    if (this.#busy) return;
    this.#busy = true;
    try {
      this.#flush();
      this.#report(false);
      this.#flush();
      this.#sendLater();
    } finally {
      this.#later = null;
      this.#laterAt = 0;
      this.#busy = false;
    }
    if (this.#queued > 0 || this.#lost > 0) this.#arm();
  }
}
