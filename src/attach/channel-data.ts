// What the two threads of the runtime `jsprobe -p` loads into a target share: the main thread's
// side (remote.ts) and the channel thread (channel-thread.ts), which reaches it through a hidden
// global with the requests below.

import type { AttachOptions } from '../program/messages.js';

/** The channel thread's name: its title in the inspector is `[worker N] jsprobe channel`. */
export const CHANNEL_THREAD_NAME = 'jsprobe channel';

/** Words of ChannelData.state. The main thread sets ENDING once the end is in its ring... */
export const ENDING = 0;
/** ...and the channel thread sets WRITTEN once it has written it to the socket. */
export const WRITTEN = 1;

/**
 * The channel thread's last word to the main thread (over the worker's message port), once it has
 * disconnected its inspector session; the main thread answers with the same message (see finish()
 * in channel-thread.ts for why the thread waits for that answer before it ends).
 */
export const DISCONNECTED = 'jsprobe:disconnected';

/** The answer to a read of the maps (detach, snapshot) not made yet: ask again (MainRequest). */
export const LATER = 'jsprobe:later';

/** How long a read put off to a handler's end is asked for again before it is made at once. */
export const LATER_WAIT_MS = 1000;

export interface ChannelData {
  jsprobeChannel: true;
  /** The command's Unix socket. */
  socket: string;
  /** The hidden global through which the channel thread's inspector session reaches the main thread. */
  name: string;
  /** The main thread's ring of messages (messages.ts), which the channel thread drains. */
  ring: SharedArrayBuffer;
  /** Int32 words: ENDING, WRITTEN. */
  state: SharedArrayBuffer;
  /** The runtime bundle's path, for the target's workers to load. */
  bundle: string;
  /** jsprobe opened the inspector: close it if the command goes away before it has. */
  closeInspector: boolean;
  /** jsprobe's own threads in the target (threads/own-threads.ts): a worker's `tid` leaves them out. */
  ownThreads: SharedArrayBuffer;
}

/** What the channel thread asks of the main thread (a JSON string argument to the hidden global). */
export type MainRequest =
  /**
   * Require the runtime proper, and nothing more: compiling it (~45 ms) is one stall of the main thread, and compiling the
   * program and registering its probes ('attach', next) another, with the thread's event loop free to turn between them.
   */
  | { op: 'runtime' }
  | { op: 'attach'; source: string; options: AttachOptions }
  | { op: 'settled' }
  | { op: 'notes' }
  /**
   * A read of the maps: landed inside a probe's handler, it is made when the handler returns, and
   * answered LATER until then (core/handlers.ts, whenNoHandler); asked again with `now`, it is made at once.
   */
  | { op: 'detach'; now?: boolean }
  | { op: 'close-inspector' }
  | { op: 'points'; pattern: string; lines?: boolean }
  | { op: 'snapshot'; now?: boolean }
  | { op: 'forget' }
  /** End the profile slices that have run their longest (program/profile.ts); the answer is false when nothing samples. */
  | { op: 'profile' };
