// The gate a `-c` program started before its check waits at (early-spawn.ts): the first line of
// the agent in the command's own child, before anything of jsprobe or of the program loads. The
// command writes one message on the control pipe once the program is checked: the environment the
// agent would have been started with (every JSPROBE_ variable, set or removed), a length in ten
// digits and a newline, then that much JSON. The agent reads exactly that many bytes, so that
// what follows on the pipe (a stop request) is left for control-pipe.ts. A command whose check
// fails kills the child at its gate: the program never runs. docs/cli.md, "When start-up matters".

import { readSync } from 'node:fs';

/** Set in the environment of a program started before its check: its agent waits at the gate. */
export const GATE_VARIABLE = 'JSPROBE_GATE';

const HEADER_BYTES = 11;

/** The message that opens the gate: `entries` (null: remove the variable). */
export function gateMessage(entries: Record<string, string | null>): string {
  const body = JSON.stringify(entries);
  return `${String(Buffer.byteLength(body)).padStart(HEADER_BYTES - 1, '0')}\n${body}`;
}

/** Read exactly `bytes` from `fd`, waiting while the pipe is empty; null at its end, or where `fd` cannot be read. */
function readExactly(fd: number, bytes: number): Buffer | null {
  const buf = Buffer.alloc(bytes);
  let got = 0;
  while (got < bytes) {
    let n: number;
    try {
      n = readSync(fd, buf, got, bytes - got, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EINTR') return null;
      // A pipe opened without blocking: wait a moment for the command's message.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      continue;
    }
    if (n === 0) return null;
    got += n;
  }
  return buf;
}

/**
 * In the agent, where the environment names the gate: wait for the command's message on the
 * control pipe and take its environment. The command's own child reads it; so does the first node
 * process under a command that starts node without replacing itself (a version manager's shim),
 * which inherits the pipe: the message's JSPROBE_COMMAND_PID then tells it to report on the
 * socket, as such a process does (agent.ts). Either way the gate is gone from the environment
 * before the program's first line, so no process the program starts waits at it. A pipe that
 * ends or cannot be read (the command gone before its check was done, or a shim that closed it)
 * ends the process: the program was to run traced and checked, and neither can be had.
 */
export function passGate(): void {
  const env = process.env;
  const fd = Number(env.JSPROBE_CONTROL_FD);
  delete env[GATE_VARIABLE];
  const header = Number.isInteger(fd) && fd > 2 ? readExactly(fd, HEADER_BYTES) : null;
  const length = header === null ? NaN : Number(header.toString('latin1', 0, HEADER_BYTES - 1));
  const body = Number.isInteger(length) ? readExactly(fd, length) : null;
  if (body === null) {
    process.stderr.write(`jsprobe: process ${process.pid} cannot read the command's message on its control pipe `
      + '(the command has ended, or the pipe was closed): it ends before the program starts; JSPROBE_EARLY=0 starts the program after its check\n');
    process.exit(2);
  }
  const entries = JSON.parse(body.toString('utf8')) as Record<string, string | null>;
  for (const key of Object.keys(entries)) {
    const value = entries[key];
    if (value === null) delete env[key];
    else env[key] = value;
  }
}
