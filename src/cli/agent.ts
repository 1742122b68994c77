// The part of `jsprobe -c` that runs inside the traced program, loaded with `--import` before the
// program's own code: it installs the load hooks, compiles the program (JSPROBE_PROGRAM), registers
// its probes, runs BEGIN and intervals, and at exit (however it comes: a return, a crash, exit(),
// Ctrl-C) runs END and prints the maps. What it prints goes to the command over a pipe (fd
// JSPROBE_OUT_FD), one JSON message a line, apart from the program's own stdout and stderr.
// It runs in every worker thread of the program too: there it registers the same probes, keeps
// its own maps and reports to the main thread, which merges them before END.

import { writeSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import type { MapData } from '../agg/maps.js';
import { JSONStringify, ObjectPrototypeHasOwnProperty } from '../core/primordials.js';

interface Message {
  /** Output text (already formatted: text, or JSON lines). */
  o?: string;
  /** Tracing has started: how many probes were registered. */
  ready?: number;
  /** A message for stderr. */
  err?: string;
  /** Registration failed; the program does not run. */
  fatal?: string;
}

const fd = Number(process.env.JSPROBE_OUT_FD);

/** The message as a JSON line, built field by field: JSON.stringify of an object looks toJSON up on Object.prototype. */
function lineOf(m: Message): string {
  // Own fields only: a missing one would be looked up on Object.prototype.
  if (ObjectPrototypeHasOwnProperty(m, 'o')) return `{"o":${JSONStringify(m.o)}}\n`;
  if (ObjectPrototypeHasOwnProperty(m, 'err')) return `{"err":${JSONStringify(m.err)}}\n`;
  if (ObjectPrototypeHasOwnProperty(m, 'fatal')) return `{"fatal":${JSONStringify(m.fatal)}}\n`;
  return `{"ready":${JSONStringify(m.ready)}}\n`;
}

function send(m: Message): void {
  const line = lineOf(m);
  try {
    if (Number.isInteger(fd) && fd > 2) {
      writeSync(fd, line);
      return;
    }
  } catch {
    // The pipe is gone (the command was killed): fall back to stderr.
  }
  process.stderr.write(m.o ?? m.err ?? m.fatal ?? '');
}

/** How long the main thread waits at exit for the worker threads' last maps. */
const FLUSH_TIMEOUT_MS = Number(process.env.JSPROBE_FLUSH_MS ?? 1000);

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  // The traced process's threads trace; a process it starts (a child node) does not trace again.
  if (isMainThread) {
    if (process.env.JSPROBE_PID !== undefined) return;
    process.env.JSPROBE_PID = String(process.pid);
  } else if (process.env.JSPROBE_PID !== String(process.pid)) {
    return;
  }
  await import('../register.js');
  const { compile } = await import('../lang/compile.js');
  const { start } = await import('./session.js');
  const { MainRelay, WorkerRelay } = await import('../threads/relay.js');
  let program;
  try {
    program = compile(source, { unsafe: process.env.JSPROBE_UNSAFE === '1' });
  } catch (e) {
    if (!isMainThread) return; // the main thread has said so already
    send({ fatal: (e as { report?: string }).report ?? String(e) });
    process.exit(2);
  }
  const format = process.env.JSPROBE_FORMAT === 'json' ? 'json' : 'text';

  if (!isMainThread) {
    // A worker thread: its probes, its own maps, reported to the main thread (threads/relay.ts).
    let maps: () => unknown = () => [];
    const relay = new WorkerRelay(() => maps());
    const outcome = start(program, {
      format,
      write: (o) => relay.send({ o }),
      exit: () => relay.send({ exit: true }),
      warn: (err) => relay.send({ err }),
      attached: 'worker',
    });
    if ('error' in outcome) relay.send({ err: `jsprobe: thread ${threadId}: ${outcome.error}\n` });
    else maps = () => outcome.maps();
    return;
  }

  let exiting = false;
  const relay = new MainRelay((_tid, m) => {
    if (m.o !== undefined) send({ o: m.o });
    if (m.err !== undefined) send({ err: m.err });
    // exit() in a worker ends the program, once the events read with it are out. Not while it is
    // ending already: process.exit() in an 'exit' handler would cut the maps short.
    if (m.exit === true && !exiting) queueMicrotask(() => process.exit(0));
  });
  const outcome = start(program, {
    format,
    write: (o) => send({ o }),
    exit: () => process.exit(0),
    warn: (err) => send({ err }),
    gather: () => relay.snapshots().flat() as MapData[],
  });
  if ('error' in outcome) {
    send({ fatal: outcome.error });
    process.exit(2);
  }
  send({ ready: outcome.probes });
  // Whatever way the program ends, END runs and the maps print (synchronously, from 'exit'),
  // with every worker thread's maps merged in: each is asked for its last, within a bound.
  process.on('exit', () => {
    exiting = true;
    for (const tid of relay.flush(FLUSH_TIMEOUT_MS)) {
      send({ err: `jsprobe: worker thread ${tid} did not answer within ${FLUSH_TIMEOUT_MS} ms; its maps are as of its last snapshot\n` });
    }
    for (const { tid, lost } of relay.newlyLost()) send({ err: `jsprobe: ${lost} event(s) lost in worker thread ${tid}: its ring was full\n` });
    relay.close();
    outcome.finish();
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      // The program's own handlers decide what a signal does; with none, it ends the program as it would have.
      if (process.listenerCount(signal) === 1) process.exit(code);
    });
  }
}

await main();
