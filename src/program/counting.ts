// A program's handlers that only count (`@[func] = count()`, `@ = count()`): tell core, so that a
// hit adds 1 to the map's entry for its site without calling the handler (core/counter.ts). The
// key is the handler's own key expression, evaluated once per site on the record the handler
// would have run on; --max-map-keys holds as before (a full map gives no cell: the handler runs
// and counts the drop), and so does clear() or delete() (the entry dies: the next hit asks again).

import { countsLike, type CountCell } from '../core/index.js';
import type { CompiledProbe } from '../lang/compile.js';
import { instantiate, type Runtime } from './runtime.js';

export function countingHandler(rt: Runtime, c: CompiledProbe, handler: Function): void {
  if (c.counts === undefined) return;
  const map = rt.maps[c.counts.map];
  const key = instantiate(rt, c.counts.key) as unknown as (call: unknown) => string;
  // No cell is a full map: each hit's handler would have counted one update dropped there.
  countsLike(handler, {
    cell: (call) => map.countCell(key(call)) as CountCell | null,
    drop: (_call, n) => {
      map.dropped += n;
    },
  });
}
