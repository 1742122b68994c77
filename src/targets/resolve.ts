// The resolver core asks for a target's sites: `{ object, key }` and `module#export` get wrap
// sites; `file:name` and `file:LINE` get load sites (code as it loads), or live sites for code
// already loaded without them; a Function object gets a live site (or a breakpoint site).

import { assertNotDenied, JsprobeError, type ProbeTarget, type Resolution, type SitePreference } from '../core/index.js';
import { resolveFunction } from '../sites/live.js';
import { chooseSiteKind } from '../sites/site-kind.js';
import { propertyLabel, wrapSite } from '../sites/wrap.js';
import { resolveExport } from './module-export.js';
import { parseTarget } from './parse.js';
import { resolveFileTarget } from './file-target.js';

function unavailable(message: string): never {
  throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', message);
}

export function resolveTarget(target: ProbeTarget, preference: SitePreference, maxPauseMs?: number): Resolution {
  if (typeof target === 'function') {
    assertNotDenied(target, `function ${target.name}`);
    if (chooseSiteKind(preference, { shape: 'function' }) === null) {
      unavailable('a Function object is patched in place (a live site, or a breakpoint site); ' +
        'for a wrap site pass { object, key } for the property that holds it, for a load site name it in its file (file:name)');
    }
    return resolveFunction(target, preference, maxPauseMs);
  }
  if (typeof target === 'string') {
    const ref = parseTarget(target);
    if (ref.kind !== 'export') {
      if (chooseSiteKind(preference, { shape: 'file', loadSites: false }) === null) {
        unavailable(`'${target}' names code in a file, which gets a load or live site; a wrap site needs { object, key } or module#export.path`);
      }
      return resolveFileTarget(ref, target, preference, maxPauseMs);
    }
    if (chooseSiteKind(preference, { shape: 'property' }) === null) {
      unavailable(`'${target}' is an export: it gets a wrap site. For a ${preference} site name the function in its file (file:name)`);
    }
    const p = resolveExport(ref.module, ref.path);
    return { sites: [wrapSite(p.object, p.key, { label: p.label, builtin: p.builtin })], label: p.label, kind: 'wrap' };
  }
  const { object, key } = target as { object?: unknown; key?: unknown };
  if ((typeof object !== 'object' || object === null) && typeof object !== 'function') {
    throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'target { object, key }: object must be an object or a function');
  }
  if (typeof key !== 'string' && typeof key !== 'symbol' && typeof key !== 'number') {
    throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'target { object, key }: key must be a string, symbol or number');
  }
  const label = propertyLabel(object, key);
  return { sites: [wrapSite(object, key, { label })], label, kind: 'wrap' };
}
