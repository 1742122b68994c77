// The text of a source map given inline in a script (`//# sourceMappingURL=data:…`): read as a
// module loads (rewrite-module.ts) and at a hit's stack (load/registry.ts), both in the program's
// thread, so by what was captured at load.

import { Buffer } from 'node:buffer';
import { ReflectApply, StringPrototypeIndexOf, StringPrototypeSlice } from '../../core/primordials.js';

const bufferFrom = Buffer.from;
const bufferToString = Buffer.prototype.toString;
const decodeURI = decodeURIComponent;

/** The text of a source map given inline (`data:…;base64,…` or percent-encoded), or null. */
export function inlineMapText(url: string): string | null {
  const comma = StringPrototypeIndexOf(url, ',', 0);
  if (comma < 0) return null;
  const head = StringPrototypeSlice(url, 0, comma);
  const body = StringPrototypeSlice(url, comma + 1);
  try {
    if (StringPrototypeIndexOf(head, ';base64', 0) < 0) return decodeURI(body);
    return ReflectApply(bufferToString, ReflectApply(bufferFrom, Buffer, [body, 'base64']), ['utf8']) as string;
  } catch {
    return null;
  }
}
