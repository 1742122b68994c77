// The names a module exports its functions under, collected apart from where the functions stand:
// `export { total as default }`, `module.exports = main`, `exports.B = A`. A function's name is
// where it is defined; these add aliases to the names that start with an exported local.

import type { FunctionSite } from './functions.js';

export class ExportNames {
  /** Local name → the names it is exported under. */
  readonly #as = new Map<string, string[]>();

  add(local: string, exported: string): void {
    if (local === exported) return;
    const list = this.#as.get(local);
    if (list === undefined) this.#as.set(local, [exported]);
    else list.push(exported);
  }

  /**
   * Give each site the names it is exported under: `total` exported as `default`, and
   * `Store.prototype.add` as `S.prototype.add` for `export { Store as S }`.
   */
  addAliases(sites: readonly FunctionSite[]): void {
    if (this.#as.size === 0) return;
    for (const site of sites) {
      const dot = site.name.indexOf('.');
      const head = dot < 0 ? site.name : site.name.slice(0, dot);
      const tail = dot < 0 ? '' : site.name.slice(dot);
      for (const e of this.#as.get(head) ?? []) {
        site.aliases.push(`${e}${tail}`);
        for (const a of site.aliases.filter((x) => x.startsWith(`${head}.`))) site.aliases.push(`${e}${a.slice(head.length)}`);
      }
    }
  }
}
