// The library's counting handler (`callCounter()`): what the command's `@[func] = count()` is, for a
// program that probes itself. Its probes are counted by the site (counter.ts): a hit adds 1 to the
// function's cell and calls nothing. Registration sealed (`seal()`, registry.ts sealCounting),
// modules loaded after count in place, as under `jsprobe -c` (docs/api.md, "Counting calls").

import type { Call } from './types.js';
import { creditCounts } from './count-mode.js';
import { CountCell, countsLike } from './counter.js';
import { JsprobeError } from './errors.js';
import { didYouMean } from './close-matches.js';
import { defineOwn, MapPrototypeGet, MapPrototypeGetSize, MapPrototypeSet, mapForEach, NumberIsInteger, ObjectKeys, SafeMap } from './primordials.js';

export interface CallCounterOptions {
  /** `'function'` (the default): a count for each function, by its name (`call.func`); `'total'`: one count. */
  by?: 'function' | 'total';
  /** Functions counted at most (by function); a hit of one more is not counted, and counts in `dropped`. Default 65536. */
  maxKeys?: number;
}

/** A handler for `onEntry` or `onReturn` that counts the calls, and what it counted. */
export interface CallCounter {
  (call: Call): void;
  /** Calls counted, by function name (by: 'total': one entry, keyed ''). A copy. */
  counts(): Map<string, number>;
  /** Every call counted. */
  readonly total: number;
  /** Hits not counted because `maxKeys` functions were counted already. */
  readonly dropped: number;
  /** Forget every count. */
  clear(): void;
}

const MAX_KEYS = 65536;

const OPTIONS = ['by', 'maxKeys'];

function invalid(message: string): never {
  throw new JsprobeError('JSPROBE_E_INVALID_SPEC', `callCounter: ${message}`);
}

export function callCounter(options: CallCounterOptions = {}): CallCounter {
  // Checked here, when the counter is made: nothing of the options is read at a hit.
  if (typeof options !== 'object' || options === null) invalid(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of ObjectKeys(options)) if (!OPTIONS.includes(key)) invalid(`unknown option '${key}'.${didYouMean(key, OPTIONS)}`);
  const by = options.by ?? 'function';
  if (by !== 'function' && by !== 'total') invalid(`by must be 'function' or 'total', got '${String(by)}'`);
  const maxKeys = options.maxKeys ?? MAX_KEYS;
  if (!NumberIsInteger(maxKeys) || maxKeys < 1) invalid(`maxKeys must be a whole number >= 1, got '${String(maxKeys)}'`);
  let cells = new SafeMap<string, CountCell>();
  let dropped = 0;
  const cellFor = (key: string): CountCell | null => {
    let cell = MapPrototypeGet(cells, key);
    if (cell === undefined) {
      if (MapPrototypeGetSize(cells) >= maxKeys) return null;
      cell = new CountCell(0);
      MapPrototypeSet(cells, key, cell);
    }
    return cell;
  };
  // Run only where the site cannot count for it (a call relayed from a worker thread). Two
  // functions, not one taking a key function: jsprobe reads a handler's source for the fields it
  // uses, and a call passed on to another function counts as reading all of them, which would
  // make a return probe of it no longer blind (so no longer a count at all).
  const handler = by === 'total'
    ? (): void => {
      const cell = cellFor('');
      if (cell === null) dropped++;
      else cell.n++;
    }
    : (call: Call): void => {
      const cell = cellFor(call.func);
      if (cell === null) dropped++;
      else cell.n++;
    };
  countsLike(handler, {
    cell: by === 'total' ? () => cellFor('') : (c) => cellFor(c.func),
    drop: (_c, n) => {
      dropped += n;
    },
  });
  const counter = handler as CallCounter;
  defineOwn(counter, 'counts', { value: (): Map<string, number> => {
    creditCounts();
    const out = new SafeMap<string, number>();
    mapForEach(cells, (cell, k) => {
      if (cell.n > 0) MapPrototypeSet(out, k, cell.n);
    });
    return out;
  } });
  defineOwn(counter, 'total', { get: (): number => {
    creditCounts();
    let n = 0;
    mapForEach(cells, (cell) => {
      n += cell.n;
    });
    return n;
  } });
  defineOwn(counter, 'dropped', { get: (): number => {
    creditCounts();
    return dropped;
  } });
  defineOwn(counter, 'clear', { value: (): void => {
    creditCounts();
    // A site holding a cell asks for another at its next hit (CountCell.live).
    mapForEach(cells, (cell) => {
      cell.live = false;
    });
    cells = new SafeMap();
    dropped = 0;
  } });
  return counter;
}
