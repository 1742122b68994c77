// Files the load hooks could not rewrite, and why: both hooks (CommonJS and ES modules) record a
// failure here, and a probe on such a file says so in list(). The record is a log in shared
// memory, because Node 20 runs the ES module hooks on a thread of their own (see register.ts).

import { LoadedLog } from './loaded-log.js';
import { JSONParse, JSONStringify } from '../../core/primordials.js';

let log = new LoadedLog(undefined, 256 << 10);
/** Files this thread has already printed a failure for. */
const printed = new Set<string>();

/** The shared memory of the record, to hand to the hooks thread. */
export function failureLogMemory(): SharedArrayBuffer {
  return log.sab;
}

/** On the hooks thread: record into the main thread's memory. */
export function useFailureLog(sab: SharedArrayBuffer): void {
  if (sab !== log.sab) log = new LoadedLog(sab);
}

/** A module jsprobe could not rewrite loads as it is: say so once, and record why for list(). */
export function noteRewriteFailure(file: string, e: unknown): void {
  const why = e instanceof Error ? e.message : String(e);
  if (!printed.has(file)) process.stderr.write(`jsprobe: could not add probe sites to ${file}; it loads unprobed: ${why}\n`);
  printed.add(file);
  log.append(JSONStringify([file, why]));
}

/** The first recorded failure of a file `test` accepts: its file and why. */
export function rewriteFailure(test: (file: string) => boolean): { file: string; why: string } | undefined {
  for (const entry of log.urls()) {
    const [file, why] = JSONParse(entry) as [string, string];
    if (test(file)) return { file, why };
  }
  return undefined;
}
