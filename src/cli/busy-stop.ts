// Ctrl-C for a traced program whose main thread is busy (never returns to its event loop): a
// signal, and the control pipe, reach that thread only through its loop. The command reaches it
// from outside as `jsprobe -p` does (attach/open.ts: SIGUSR1, with the lock and the port checks,
// and the watcher when the inspector does not open in time), and runs the agent's hidden stop
// function (control-pipe.ts) with one Runtime.evaluate: V8 runs protocol messages as interrupts,
// even in a busy loop. The program prints its maps; once jsprobe has disconnected, it sends the
// signal again, and the program ends by it, as it would have ended without jsprobe. The inspector opens only then, on 127.0.0.1, and is closed (or the process
// ends) as soon as the stop has run. relay.ts loads this file only when it is needed.

import { AttachError } from '../attach/attach-error.js';
import { connect } from '../attach/inspector-ws.js';
import { inspectorClosed } from '../attach/open.js';
import { LATER_WAIT_MS } from '../attach/channel-data.js';
import type { StopOutcome } from './control-pipe.js';
import { now } from '../core/clock.js';

/**
 * Run the stop function `name` (from JSPROBE_STOP_NAME) for `signal` in process `pid`; `kill`
 * sends it the signal once more, when it is to end by it. `say` gets one line when this cannot be
 * done: the program then runs on until a second Ctrl-C leaves it.
 */
export async function stopBusy(pid: number, name: string, signal: NodeJS.Signals, kill: () => void, say: (line: string) => void): Promise<void> {
  const cannot = (why: string): void => say(`jsprobe: process ${pid} is too busy to see ${signal}, and jsprobe cannot reach it through its inspector (${why}); `
    + `${signal === 'SIGINT' ? 'Ctrl-C' : signal} again leaves it running, untraced\n`);
  let reached;
  try {
    reached = await connect(pid, true);
  } catch (e) {
    if (e instanceof AttachError) return cannot(e.message);
    throw e;
  }
  const { conn, opened, port } = reached;
  let outcome: StopOutcome | 'gone';
  try {
    const ask = (now: boolean): Promise<StopOutcome> => conn.evaluate<StopOutcome>(`globalThis[${JSON.stringify(name)}](${JSON.stringify(signal)}, ${now})`);
    // Landed inside a probe's handler, the stop runs when the handler returns: asked again until
    // it has, then, past LATER_WAIT_MS, run at once (a handler still running then never ends).
    const until = now() + LATER_WAIT_MS;
    outcome = await ask(false);
    while (outcome === 'later') {
      await new Promise((resolve) => setTimeout(resolve, 1));
      outcome = await ask(now() >= until);
    }
  } catch {
    // The connection closed with the process: it ended meanwhile.
    outcome = 'gone';
  }
  try {
    // The program runs on (it handles the signal itself): an inspector that jsprobe opened must
    // not stay open.
    if (opened && outcome === 'detached') {
      conn.closeInspector();
      await inspectorClosed(pid, port);
    }
  } finally {
    // Before the signal: a process that ends with a client connected waits for it to go.
    conn.ws.terminate();
  }
  if (outcome === 'kill') {
    await new Promise<void>((resolve) => conn.ws.once('close', () => resolve()));
    kill();
  }
}
