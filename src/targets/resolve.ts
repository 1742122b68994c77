// The resolver core asks for a target's site. Today every target becomes a wrap site; load sites
// (code not loaded yet), live sites (patching loaded code in place) and breakpoint sites plug in
// here as they are built.

import { JsprobeError, type ProbeTarget, type Resolution, type SitePreference } from '../core/index.js';
import { propertyLabel, wrapSite } from '../sites/wrap.js';
import { resolveExport } from './module-export.js';
import { parseTarget } from './parse.js';

function unavailable(message: string): never {
  throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', message);
}

export function resolveTarget(target: ProbeTarget, preference: SitePreference): Resolution {
  if (preference !== 'auto' && preference !== 'wrap') {
    unavailable(`site '${preference}' is not available in this version of jsprobe; only wrap sites are ('auto' or 'wrap')`);
  }
  if (typeof target === 'function') {
    unavailable(`probing a Function object in place needs a live site, which this version does not have; pass { object, key } for the property that holds it to get a wrap site`);
  }
  if (typeof target === 'string') {
    const ref = parseTarget(target);
    if (ref.kind !== 'export') {
      unavailable(`'${target}' names code in a file, which needs a load or live site; this version has wrap sites only: use module#export.path (e.g. ./lib/db.js#Db.prototype.query)`);
    }
    const p = resolveExport(ref.module, ref.path);
    return { site: wrapSite(p.object, p.key, { label: p.label, builtin: p.builtin }), label: p.label };
  }
  const { object, key } = target as { object?: unknown; key?: unknown };
  if ((typeof object !== 'object' || object === null) && typeof object !== 'function') {
    throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'target { object, key }: object must be an object or a function');
  }
  if (typeof key !== 'string' && typeof key !== 'symbol' && typeof key !== 'number') {
    throw new JsprobeError('JSPROBE_E_INVALID_SPEC', 'target { object, key }: key must be a string, symbol or number');
  }
  const label = propertyLabel(object, key);
  return { site: wrapSite(object, key, { label }), label };
}
