// Where a traced run's output goes: stdout, -o FILE, or the report page (report.ts), opened before
// the program starts, so that a file that cannot be written is a usage error and nothing runs.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { CompiledProgram } from '../lang/compile.js';
import { UsageError, type CliOptions } from './args.js';
import type { StdoutWatch } from './stdout.js';
import { version } from './version.js';

/**
 * What stdout may hold, in bytes, that its reader has not taken yet. Past it, trace events are
 * dropped (and counted) rather than kept: stdout's writes queue in jsprobe's memory, without end,
 * when its reader is slow or stopped.
 */
const STDOUT_BACKLOG_BYTES = Number(process.env.JSPROBE_BUFFER_BYTES) || 4 << 20;

/** Where trace output goes. `backedUp` says its reader is STDOUT_BACKLOG_BYTES behind. */
export interface Sink {
  write(s: string): void;
  close(): void;
  backedUp(): boolean;
}

/** Where trace output goes: stdout, or -o FILE, opened now (a UsageError if it cannot be written). */
export function sink(o: CliOptions, program: CompiledProgram, stdout: StdoutWatch, report?: typeof import('./report.js')): Sink {
  const cannotWrite = (err: NodeJS.ErrnoException) => new UsageError(`-o ${o.outFile}: cannot write there (${err.code ?? err.message})`);
  if (report !== undefined) return report.reportSink(o.outFile, { program: program.source, command: o.command, pids: o.pids, version: version() }, cannotWrite);
  if (o.outFile === undefined) {
    return {
      write: (s) => {
        stdout.arm();
        if (!stdout.gone) process.stdout.write(s);
      },
      close: () => {},
      backedUp: () => {
        stdout.arm();
        return process.stdout.writableLength > STDOUT_BACKLOG_BYTES;
      },
    };
  }
  let fd: number;
  try {
    fd = openSync(o.outFile, 'w');
  } catch (e) {
    throw cannotWrite(e as NodeJS.ErrnoException);
  }
  return { write: (s) => void writeSync(fd, s), close: () => closeSync(fd), backedUp: () => false };
}
