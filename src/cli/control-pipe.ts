// The command's control pipe, read by the first traced process's main thread on its own event
// loop: stop requests (Ctrl-C reached the command), --prometheus's snapshot requests, and the
// pipe's end (the command went away). A program too busy to return to its loop never reads it:
// then the command reaches the main thread through its inspector, and runs the hidden stop
// function defined here (cli/busy-stop.ts). One line goes back on it: the main thread's end has
// begun (ENDING_LINE), so that the command does not wait for that behind a backlog of trace on
// fd 3. docs/cli.md ("Signals") tells the whole story.
// The socket is unref'd: it never keeps the program alive. Its events run beside the program's
// code, so they go through what was captured before the program's first line.

import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { defineOwn, JSONParse, ReflectApply, setTimeoutSafe, StringPrototypeIndexOf, StringPrototypeSlice } from '../core/primordials.js';
import { STOP_GRACE_MS } from '../program/messages.js';
import { ENDING_LINE } from '../program/stop-grace.js';
import { whenNoHandler } from '../core/handlers.js';

// Captured at load, before the program's code runs: the program could replace them.
const emit = EventEmitter.prototype.emit;
const kill = process.kill;

/** What reaches the main thread through the pipe, and what the stop function does there. */
export interface ControlHooks {
  /**
   * Runs on the main thread when a stop has not been handled in time, from its loop or, in a busy
   * one, as an inspector interrupt. It prints the maps; true if the process should now end by the signal.
   */
  stop(signal: NodeJS.Signals): boolean;
  detach(): void;
  /** Send the command the maps as they are now, answering its request `id`. */
  snapshot(id: number): void;
}

/**
 * What the stop function answers the command (busy-stop.ts): the maps are out, and the process is
 * to end by the signal, which the command sends once it has disconnected; the trace ended and the
 * program, which handles the signal itself, runs on; it was ending already; the stop landed inside
 * a probe's handler and is done when the handler returns: ask again (`now`: do it at once).
 */
export type StopOutcome = 'kill' | 'detached' | 'ending' | 'later';

export interface ControlPipe {
  /**
   * The main thread begins to end (on its own, or for a stop): a stop request is not acted on
   * any more, and the command is told so on this pipe, which is never behind as the trace's may be.
   */
  ending(): void;
}

const isSignal = (s: unknown): s is NodeJS.Signals => s === 'SIGINT' || s === 'SIGTERM' || s === 'SIGHUP';

/** Read the control pipe on `fd`, and define the stop function as global `name` (hidden, random: the command made it). */
export function readControlPipe(fd: number, name: string, hooks: ControlHooks): ControlPipe {
  let ended = false;
  // The stop this function began, once begun; 'later' until it has run.
  let outcome: StopOutcome | null = null;
  let run = (): void => {};
  const stop = (signal: NodeJS.Signals, now?: boolean): StopOutcome => {
    if (outcome === 'later' && now === true) run();
    if (outcome !== null) return outcome;
    if (ended) return 'ending';
    ended = true;
    outcome = 'later';
    run = () => {
      if (outcome !== 'later') return;
      outcome = hooks.stop(signal) ? 'kill' : 'detached';
    };
    // From the inspector, this is an interrupt, and it may land inside a probe's handler, between
    // two of its map updates: the maps are printed once that handler has returned (core/handlers.ts).
    whenNoHandler(run);
    return outcome;
  };
  // The command's way in: not the signal itself, which with a client connected to the inspector
  // would wait in Node's handler for that client to go, while the client waits for the answer.
  defineOwn(globalThis, name, { enumerable: false, value: stop });
  const control = new Socket({ fd, readable: true, writable: false });
  // Its events are emitted through the emit captured above, not one the program may have patched.
  defineOwn(control, 'emit', { value: emit, writable: true, configurable: true });
  control.setEncoding('utf8');
  let buffered = '';
  control.on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = StringPrototypeIndexOf(buffered, '\n')) >= 0) {
      const line = StringPrototypeSlice(buffered, 0, nl);
      buffered = StringPrototypeSlice(buffered, nl + 1);
      let m: { stop?: unknown; snapshot?: unknown };
      try {
        m = JSONParse(line) as typeof m;
      } catch {
        continue;
      }
      if (typeof m !== 'object' || m === null) continue;
      const signal = m.stop;
      if (isSignal(signal)) {
        if (ended) continue;
        // The signal itself comes on this loop too: a program with no handler of its own ends on
        // it now. One that handles it has the grace period, then the trace ends and it runs on.
        setTimeoutSafe(() => {
          // With jsprobe's listener for it gone, nothing stands in the way: the process ends by
          // the signal, as it would have without jsprobe.
          // From the loop, no handler is running: the stop runs now.
          if (stop(signal) === 'kill') ReflectApply(kill, process, [process.pid, signal]);
        }, STOP_GRACE_MS).unref();
      } else if (typeof m.snapshot === 'number') hooks.snapshot(m.snapshot);
    }
  });
  // The command is gone (killed, or its terminal closed): nobody reads what the probes print.
  control.on('end', () => hooks.detach());
  control.on('error', () => hooks.detach());
  control.unref();
  let told = false;
  const ending = (): void => {
    ended = true;
    if (told) return;
    told = true;
    try {
      // Written as it is (the socket above only reads): the end may run as an interrupt, where
      // nothing of Node's streams may be touched. A line this short always fits.
      writeSync(fd, ENDING_LINE);
    } catch {
      // The command is gone: nobody waits for the answer.
    }
  };
  return { ending };
}
