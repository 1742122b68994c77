// The names a module exports its functions under, collected apart from where the functions stand:
// `export { total as default }`, `module.exports = main`, `exports.B = A`. A function's name is
// where it is defined; these add aliases to the names that start with an exported local.

import type { FunctionSite } from './functions.js';
import { arrayFilter, SafeMap, StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeStartsWith } from '../../core/primordials.js';

export class ExportNames {
  /** Local name → the names it is exported under. */
  readonly #as = new SafeMap() as Map<string, string[]>;

  add(local: string, exported: string): void {
    if (local === exported) return;
    const list = this.#as.get(local);
    if (list === undefined) this.#as.set(local, [exported]);
    else list[list.length] = exported;
  }

  /**
   * Give each site the names it is exported under: `total` exported as `default`, and
   * `Store.prototype.add` as `S.prototype.add` for `export { Store as S }`.
   */
  addAliases(sites: readonly FunctionSite[]): void {
    if (this.#as.size === 0) return;
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i];
      const dot = StringPrototypeIndexOf(site.name, '.');
      const head = dot < 0 ? site.name : StringPrototypeSlice(site.name, 0, dot);
      const tail = dot < 0 ? '' : StringPrototypeSlice(site.name, dot);
      const as = this.#as.get(head) ?? [];
      for (let j = 0; j < as.length; j++) {
        const e = as[j];
        const aliases = site.aliases;
        aliases[aliases.length] = `${e}${tail}`;
        const within = arrayFilter(aliases, (x) => StringPrototypeStartsWith(x, `${head}.`));
        for (let k = 0; k < within.length; k++) aliases[aliases.length] = `${e}${StringPrototypeSlice(within[k], head.length)}`;
      }
    }
  }
}
