// A target's function name, in a module of its own: the language's code generation names it in the
// command's front, before the program starts, where call.ts would bring the captured built-ins
// (core/weak.ts) with it.

/** The function name at the end of a target string: after the `#` of an export (`node:fs#readFile`), else after the last `:`. */
export function funcOf(target: string): string {
  // `module#export.path` (node:fs#readFile), unless a `:` comes before the `#`: then it is
  // `file:name`, and the `#` is the name's (Db.prototype.#count, handle.anonymous#2).
  const hash = target.indexOf('#');
  const colonBefore = hash < 0 ? -1 : target.lastIndexOf(':', hash);
  if (hash >= 0 && (target.startsWith('node:') || colonBefore < 0 || /^[A-Za-z]:$/.test(target.slice(0, colonBefore + 1)))) {
    return target.slice(hash + 1);
  }
  const colon = target.lastIndexOf(':');
  return colon >= 0 ? target.slice(colon + 1) : target;
}
