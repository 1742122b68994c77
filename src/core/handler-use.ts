// What a handler reads from its call, decided once at registration (pino's rule: choose at setup,
// never per hit). A hit costs a few ns only if it skips what nobody reads: the clock (50-90 ns a
// read), the pooled record, the argument slots. The analysis reads the handler's source and is
// conservative: a call object that escapes (passed on, spread, indexed, `arguments`, `eval`) or a
// source it cannot read (native, bound) means "reads everything". The language's generated
// handlers go through the same analysis: they name each call field they read plainly.

import { FunctionToString } from './primordials.js';

export type CallField =
  'this' | 'args' | 'newTarget' | 'data' | 'elapsed' | 'retval' | 'error' | 'threw' | 'async' | 'probe' | 'threadId' | 'locals' | 'target' | 'func';

/** The fields a handler reads; `all` when that cannot be known. */
export type Uses = ReadonlySet<CallField | 'all'>;

export const ALL: Uses = new Set(['all']);
export const NONE: Uses = new Set();

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** The text of the first parameter and the body, or undefined when the shape is not recognised. */
function split(src: string): { param: string; body: string } | undefined {
  const s = src.trim();
  // `x => body` (optionally async)
  const bare = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(s);
  if (bare !== null) return { param: bare[1], body: s.slice(bare[0].length) };
  const open = s.indexOf('(');
  if (open < 0) return undefined;
  let depth = 0;
  let close = -1;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (ch === '"' || ch === "'" || ch === '`' || ch === '/') return undefined;
  }
  if (close < 0) return undefined;
  const params = s.slice(open + 1, close);
  // The first parameter: up to a top-level comma.
  let d = 0;
  let end = params.length;
  for (let i = 0; i < params.length; i++) {
    const ch = params[i];
    if (ch === '(' || ch === '{' || ch === '[') d++;
    else if (ch === ')' || ch === '}' || ch === ']') d--;
    else if (ch === ',' && d === 0) {
      end = i;
      break;
    }
  }
  return { param: params.slice(0, end).trim(), body: s.slice(close + 1) };
}

function destructured(pattern: string): Uses {
  const inner = pattern.slice(1, -1);
  if (inner.includes('...')) return ALL;
  const out = new Set<CallField | 'all'>();
  let d = 0;
  let start = 0;
  const keys: string[] = [];
  for (let i = 0; i <= inner.length; i++) {
    const ch = inner[i];
    if (ch === '(' || ch === '{' || ch === '[') d++;
    else if (ch === ')' || ch === '}' || ch === ']') d--;
    else if ((ch === ',' || i === inner.length) && d === 0) {
      keys.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  for (const k of keys) {
    const name = /^\s*([A-Za-z_$][\w$]*)/.exec(k);
    if (name === null) {
      if (k.trim() === '') continue;
      return ALL; // computed or quoted key
    }
    out.add(name[1] as CallField);
  }
  return out;
}

/** Which call fields `handler` reads. */
export function handlerUses(handler: Function | null): Uses {
  if (handler === null) return NONE;
  let src: string;
  try {
    src = FunctionToString(handler);
  } catch {
    return ALL;
  }
  if (src.includes('[native code]')) return ALL;
  const parts = split(src);
  if (parts === undefined) return ALL;
  const { param, body } = parts;
  if (/\barguments\b|\beval\b/.test(body)) return ALL;
  if (param === '') return NONE;
  if (param.startsWith('{') && param.endsWith('}')) return destructured(param);
  if (!IDENT.test(param)) return ALL;
  const out = new Set<CallField | 'all'>();
  const re = new RegExp(`(^|[^\\w$.])${param.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const after = body.slice(m.index + m[0].length);
    const member = /^\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)/.exec(after);
    if (member === null) {
      // `call = ...` reassigns the parameter; anything else lets the call escape.
      return ALL;
    }
    out.add(member[1] as CallField);
  }
  return out;
}

export function reads(uses: Uses, ...fields: CallField[]): boolean {
  return uses.has('all') || fields.some((f) => uses.has(f));
}
