// The part of `jsprobe -c` that runs inside the traced program, loaded with `--import` before the
// program's own code: it installs the load hooks, compiles the program (JSPROBE_PROGRAM), registers
// its probes, runs BEGIN and intervals, and at exit (however it comes: a return, a crash, exit(),
// Ctrl-C) runs END and prints the maps. What it prints goes to the command over a pipe (fd
// JSPROBE_OUT_FD), one JSON message a line, apart from the program's own stdout and stderr.

import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

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

function send(m: Message): void {
  const line = `${JSON.stringify(m)}\n`;
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

async function main(): Promise<void> {
  const source = process.env.JSPROBE_PROGRAM;
  if (source === undefined) return;
  // Children of the traced program (a worker, a spawned node) do not trace again.
  delete process.env.JSPROBE_PROGRAM;
  await import('../register.js');
  const { compile } = await import('../lang/compile.js');
  const { start } = await import('./session.js');
  let program;
  try {
    program = compile(source, { unsafe: process.env.JSPROBE_UNSAFE === '1' });
  } catch (e) {
    send({ fatal: (e as { report?: string }).report ?? String(e) });
    process.exit(2);
  }
  const format = process.env.JSPROBE_FORMAT === 'json' ? 'json' : 'text';
  const outcome = start(program, {
    format,
    write: (o) => send({ o }),
    exit: () => process.exit(0),
    warn: (err) => send({ err }),
  });
  if ('error' in outcome) {
    send({ fatal: outcome.error });
    process.exit(2);
  }
  send({ ready: outcome.probes });
  // Whatever way the program ends, END runs and the maps print (synchronously, from 'exit').
  process.on('exit', () => outcome.finish());
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      // The program's own handlers decide what a signal does; with none, it ends the program as it would have.
      if (process.listenerCount(signal) === 1) process.exit(code);
    });
  }
}

if (isMainThread) await main();
