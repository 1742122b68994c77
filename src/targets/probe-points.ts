// listProbePoints(pattern): every function a target pattern would match, so that a user can see
// what is there before probing it (the CLI's -l). Export patterns glob each name of the path:
// `node:fs#read*`, `pg#Client.prototype.*`, `./lib/db.js#*.prototype.*`.

import { JsprobeError } from '../core/index.js';
import { loadModule, namesOf } from './module-export.js';
import { parseTarget } from './parse.js';

export interface ProbePoint {
  /** A target string that names exactly this point. */
  target: string;
  kind: 'function' | 'line';
  /** Qualified name, e.g. `Client.prototype.query`. */
  name: string;
  module?: string;
  file?: string;
  line?: number;
  column?: number;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

function isHolder(v: unknown): v is object {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

function safeGet(o: object, k: string): unknown {
  try {
    return (o as Record<string, unknown>)[k];
  } catch {
    return undefined;
  }
}

export function listProbePoints(pattern: string): ProbePoint[] {
  const ref = parseTarget(pattern);
  if (ref.kind !== 'export') {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `'${pattern}' names code in a file; listing files needs load sites, which this version does not have`);
  }
  const { exports } = loadModule(ref.module, process.cwd());
  const out: ProbePoint[] = [];
  const seen = new Set<string>();
  const walk = (holder: unknown, depth: number, names: string[]): void => {
    if (!isHolder(holder)) return;
    const re = globToRegExp(ref.path[depth]);
    const last = depth === ref.path.length - 1;
    for (const k of new Set(namesOf(holder))) {
      if (!re.test(k) || k === 'constructor' && depth > 0) continue;
      const v = safeGet(holder, k);
      const path = [...names, k];
      if (last) {
        const target = `${ref.module}#${path.join('.')}`;
        if (typeof v === 'function' && !seen.has(target)) {
          seen.add(target);
          out.push({ target, kind: 'function', name: path.join('.'), module: ref.module });
        }
      } else {
        walk(v, depth + 1, path);
      }
    }
  };
  walk(exports, 0, []);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
