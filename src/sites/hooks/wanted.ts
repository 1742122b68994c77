// What the load hooks instrument: files named by registered targets and by hints. The list lives
// in a SharedArrayBuffer, because Node 20 runs ES module hooks on a thread of their own: a
// probe registered just before an `import()` must already be visible to that thread's load hook,
// without waiting for a message to arrive. One writer (this thread), seqlock-style readers.

import { JsprobeError } from '../../core/errors.js';
import type { CountKind } from '../../core/probe.js';
import { JSONParse, JSONStringify } from '../../core/primordials.js';

export interface Wanted {
  /** Absolute path glob of files to instrument whole (every function gets a site). */
  file: string;
  /** 1-based lines of that file that get line sites. */
  lines: number[];
  /**
   * One probe alone wants these files, a count of its calls at their entry or as they end, and no
   * probe can be added later (sites/load/wanted.ts, sealForCounting): a file that no other entry
   * wants is rewritten for counting alone (rewrite-module.ts).
   */
  count?: CountKind;
}

const HEADER = 8;
const SIZE = 1 << 20;

export class WantedList {
  readonly sab: SharedArrayBuffer;
  readonly #meta: Int32Array;
  readonly #bytes: Uint8Array;
  #cacheVersion = -1;
  #cache: Wanted[] = [];

  constructor(sab?: SharedArrayBuffer) {
    this.sab = sab ?? new SharedArrayBuffer(SIZE);
    this.#meta = new Int32Array(this.sab, 0, 2);
    this.#bytes = new Uint8Array(this.sab, HEADER);
  }

  /** Replace the list (writer side). */
  write(list: Wanted[]): void {
    const bytes = new TextEncoder().encode(JSONStringify(list));
    if (bytes.length > this.#bytes.length) {
      throw new JsprobeError('JSPROBE_E_UNSUPPORTED', `too many load-site targets (${bytes.length} bytes of patterns; the limit is ${this.#bytes.length})`);
    }
    Atomics.add(this.#meta, 0, 1); // odd: writing
    this.#bytes.set(bytes);
    Atomics.store(this.#meta, 1, bytes.length);
    Atomics.add(this.#meta, 0, 1); // even: done
  }

  /** The current list (reader side, any thread). */
  read(): Wanted[] {
    for (;;) {
      const v1 = Atomics.load(this.#meta, 0);
      if (v1 === this.#cacheVersion) return this.#cache;
      if (v1 % 2 === 1) continue;
      const len = Atomics.load(this.#meta, 1);
      const text = new TextDecoder().decode(this.#bytes.slice(0, len));
      if (Atomics.load(this.#meta, 0) !== v1) continue;
      this.#cacheVersion = v1;
      this.#cache = len === 0 ? [] : (JSONParse(text) as Wanted[]);
      return this.#cache;
    }
  }
}

/** Files to instrument named in JSPROBE_LOAD_SITES (comma-separated globs, relative to cwd). */
export function hintedFiles(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const raw = env.JSPROBE_LOAD_SITES;
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((g) => (g.startsWith('/') ? g : `${cwd.replace(/\/$/, '')}/${g.replace(/^\.\//, '')}`));
}
