// What an attach says of its probes' sites, each reason once: two probes on one function (fn: and
// fnret:, or two fnret:) share its site and its note, and each used to repeat the whole ~900
// characters of it (a trial on a tsx service: 10 paragraphs, 8 KB, to say "tsx code: breakpoint
// sites, use -c"). The first probe says a site's note; the next say which probe said it.
// It runs in the traced program: captured built-ins only (core/primordials.ts).

import { SafeMap, StringPrototypeIndexOf, StringPrototypeSlice } from '../core/primordials.js';

/** `text` with each `from` in it replaced by `to`. */
function replaced(text: string, from: string, to: string): string {
  let out = '';
  let at = 0;
  for (let i = StringPrototypeIndexOf(text, from, at); i >= 0; i = StringPrototypeIndexOf(text, from, at)) {
    out += StringPrototypeSlice(text, at, i) + to;
    at = i + from.length;
  }
  return out + StringPrototypeSlice(text, at);
}

export class SaidNotes {
  /** A note said, and the probe whose line said it. */
  readonly #by = new SafeMap<string, string>();

  /**
   * `text`, the line of `probe`, with each of `shared` (its sites' notes, or other text its lines
   * share) said before replaced by a pointer to the line that said it; the others are remembered
   * as said by `probe`.
   */
  say(probe: string, text: string, shared: readonly (string | undefined)[]): string {
    let out = text;
    const fresh: string[] = [];
    for (let i = 0; i < shared.length; i++) {
      const note = shared[i];
      if (note === undefined || note === '') continue;
      const by = this.#by.get(note);
      if (by === undefined) fresh[fresh.length] = note;
      else out = replaced(out, note, by === probe ? 'as said above' : `as said for ${by} above`);
    }
    for (let i = 0; i < fresh.length; i++) this.#by.set(fresh[i], probe);
    return out;
  }
}
