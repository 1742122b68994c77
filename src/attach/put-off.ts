// A read of the maps asked for as an interrupt (a -p detach, a snapshot), which may have landed
// inside a probe's handler, between two of its updates: made when no handler of this thread runs
// (at once, or when the handler returns: core/handlers.ts), and answered when asked again once it
// is made (the asker answers LATER till then). `now` makes it at once, for an asker that has
// waited long enough.
//
// The read itself runs JavaScript (the session's finish, the maps' copy), so the asker's next ask,
// another interrupt, can land inside it: it is answered LATER until the read has returned. Marked
// made before the read had returned, that ask was answered the empty fallback as if it were the
// read's value, and a detach printed no maps (docs/attach.md, "Ctrl-C during the attach").

import { whenNoHandler } from '../core/handlers.js';
import { LATER } from './channel-data.js';

export interface PutOff<T> {
  /** The read has returned (or thrown): `value` is its answer. */
  done: boolean;
  /** The read is under way. */
  making: boolean;
  value: T;
  make(): void;
}

/** `read` put off to the end of the handler this may have landed in; `failed` answers a read that threw. */
export function putOff<T>(read: () => T, failed: T): PutOff<T> {
  const p: PutOff<T> = {
    done: false,
    making: false,
    value: failed,
    make: () => {
      if (p.done || p.making) return;
      p.making = true;
      try {
        p.value = read();
      } finally {
        p.making = false;
        p.done = true;
      }
    },
  };
  whenNoHandler(p.make);
  return p;
}

/** `p`'s value if made (or `now`: made here), else LATER: also while its read is under way. */
export function answer<T>(p: PutOff<T>, now: boolean | undefined): T | typeof LATER {
  if (!p.done && now === true) p.make();
  return p.done ? p.value : LATER;
}
