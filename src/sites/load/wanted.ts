// The main thread's side of what load hooks instrument: entries added by probes that wait for
// their code to load, plus hints (JSPROBE_LOAD_SITES), published to the hooks on every change.

import { hintedFiles, WantedList, type Wanted } from '../hooks/wanted.js';
import { LoadedLog } from '../hooks/loaded-log.js';

export const wantedList = new WantedList();
export const loadedLog = new LoadedLog();
const entries = new Set<Wanted>();
let hints: Wanted[] = hintedFiles(process.env, process.cwd()).map((file) => ({ file, lines: [] }));
let hooked = false;

function publish(): void {
  wantedList.write([...hints, ...entries]);
}

/** Instrument files matching `w` when they load, until the returned function is called. */
export function want(w: Wanted): () => void {
  entries.add(w);
  publish();
  return () => {
    entries.delete(w);
    publish();
  };
}

/** Instrument every function of files matching these globs (absolute) when they load. */
export function hint(files: string[]): void {
  hints = [...hints, ...files.map((file) => ({ file, lines: [] }))];
  publish();
}

/** The load hooks are installed in this thread (`--import jsprobe/register`). */
export function setHooked(): void {
  hooked = true;
  publish();
}

export function isHooked(): boolean {
  return hooked;
}

export function currentWanted(): Wanted[] {
  return wantedList.read();
}
