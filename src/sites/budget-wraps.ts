// Over the pause budget, before the Debugger domain is touched: enabling it costs a full garbage
// collection (~0.5 s at 1 GB), so a `file:name` target whose every match a property holds gets
// wrap sites from what Node already knows, the CommonJS module cache and the files on disk,
// without the inspector. Anything less (an ES module, a function no property holds, a file that
// changed on disk since it loaded) goes the inspector's way (live.ts), which decides per function.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ProbeSite, Resolution, SitePreference } from '../core/index.js';
import { FunctionPrototypeToString, ReflectApply } from '../core/primordials.js';
import { findHolder } from './holder.js';
import { wrapSees } from './breakpoint-advice.js';
import { requireCache } from './require-cache.js';
import { labelOf, noLiveEdit } from './live.js';
import { moduleByFile } from './load/registry.js';
import { livePatchNow, overBudgetWhy, passOver } from './pause-budget.js';
import { functionsIn } from './rewrite/instrument.js';
import { wrapSite } from './wrap.js';

/**
 * Wrap sites for every function named `name` in loaded CommonJS files `path` accepts, when a live
 * patch would be over `maxPauseMs`, or this process makes none at all (live.ts's withoutEdit: the
 * same site on any heap), and a property holds each of them; else null.
 */
export function wrapsOverBudget(path: RegExp, name: RegExp, label: string, preference: SitePreference, maxPauseMs: number): Resolution | null {
  if (preference !== 'auto') return null;
  const now = livePatchNow(maxPauseMs);
  const noEdit = noLiveEdit();
  if (now.fits && noEdit === null) return null;
  const why = noEdit ?? overBudgetWhy(now, maxPauseMs);
  const sites: ProbeSite[] = [];
  const keys: string[] = [];
  for (const file of Object.keys(requireCache())) {
    if (!path.test(file) || moduleByFile(file) !== undefined) continue;
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    const url = pathToFileURL(file).href;
    let fns;
    try {
      fns = functionsIn(source, 'script', url);
    } catch {
      return null;
    }
    for (const f of fns) {
      if (!name.test(f.name) && !f.aliases.some((a) => name.test(a))) continue;
      // A method's text starts at its key, the function's own at its parameters: the same end.
      const text = source.slice(f.start, f.end);
      const own = f.name.slice(f.name.lastIndexOf('.') + 1);
      const holder = findHolder(file, own, (fn) => (ReflectApply(FunctionPrototypeToString, fn, []) as string).endsWith(text));
      if (holder === null) return null;
      try {
        const site = wrapSite(holder.object, holder.key, { label: `${labelOf(url)}:${f.name}` });
        site.note = `${why}, so it is ${wrapSees(holder.path)}`;
        sites.push(site);
        keys.push(`${url}:${f.start}`);
      } catch {
        return null;
      }
    }
  }
  if (sites.length === 0) return null;
  // Over the budget with live edits on, the session says it once (takePauseReport); the sites' notes say what each sees.
  if (noEdit === null) passOver('wrap', keys, now, maxPauseMs);
  return { sites, label: sites.length === 1 ? label : `${label} (${sites.length} functions)`, kind: 'wrap' };
}
