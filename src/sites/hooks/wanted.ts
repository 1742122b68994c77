// What the load hooks instrument: files named by registered targets and by hints. The list lives
// in a SharedArrayBuffer, because Node 20 runs ES module hooks on a thread of their own: a
// probe registered just before an `import()` must already be visible to that thread's load hook,
// without waiting for a message to arrive. One writer (this thread), seqlock-style readers.

import { JsprobeError } from '../../core/errors.js';
import type { CountKind } from '../../core/probe.js';
import { AtomicsLoad, bytesCopy, JSONParse, JSONStringify } from '../../core/primordials.js';

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
  #sab: SharedArrayBuffer | null;
  #meta: Int32Array | null = null;
  #bytes: Uint8Array | null = null;
  #cacheVersion = -1;
  #cache: Wanted[] = [];

  constructor(sab?: SharedArrayBuffer) {
    this.#sab = sab ?? null;
  }

  /** The list's memory, made when first needed (as LoadedLog's: `jsprobe -p`'s runtime may never write one). */
  get sab(): SharedArrayBuffer {
    return (this.#sab ??= new SharedArrayBuffer(SIZE));
  }

  #views(): { meta: Int32Array; bytes: Uint8Array } {
    const meta = (this.#meta ??= new Int32Array(this.sab, 0, 2));
    const bytes = (this.#bytes ??= new Uint8Array(this.sab, HEADER));
    return { meta, bytes };
  }

  /** Replace the list (writer side). */
  write(list: Wanted[]): void {
    const bytes = new TextEncoder().encode(JSONStringify(list));
    const v = this.#views();
    if (bytes.length > v.bytes.length) {
      throw new JsprobeError('JSPROBE_E_UNSUPPORTED', `too many load-site targets (${bytes.length} bytes of patterns; the limit is ${v.bytes.length})`);
    }
    Atomics.add(v.meta, 0, 1); // odd: writing
    v.bytes.set(bytes);
    Atomics.store(v.meta, 1, bytes.length);
    Atomics.add(v.meta, 0, 1); // even: done
  }

  /** The current list (reader side, any thread). */
  /** In the program's thread at each load (a module it loads later included): the captured built-ins alone. */
  read(): Wanted[] {
    if (this.#sab === null) return this.#cache;
    const v = this.#views();
    for (;;) {
      const v1 = AtomicsLoad(v.meta, 0);
      if (v1 === this.#cacheVersion) return this.#cache;
      if (v1 % 2 === 1) continue;
      const len = AtomicsLoad(v.meta, 1);
      const text = new TextDecoder().decode(bytesCopy(v.bytes, 0, len));
      if (AtomicsLoad(v.meta, 0) !== v1) continue;
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
