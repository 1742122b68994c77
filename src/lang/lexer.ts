// Tokens of a jsprobe program. Probe targets (`src/db.ts:Db.query`, `node:fs#readFile`) are not
// tokens: they hold `/`, `:` and `#`, so the parser reads them raw (rawTarget) where a probe is due.

import { ProgramError } from './errors.js';
import { noProto } from '../core/primordials.js';

/** A string's escapes, on no prototype as the language's other tables (parser.ts). */
const ESCAPES: Record<string, string> = noProto({ n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" });

export type TokenType = 'num' | 'str' | 'ident' | 'var' | 'map' | 'punct' | 'eof';

export interface Token {
  type: TokenType;
  /** The text: the name for ident/var/map (without `$`/`@`), the operator, the string's value. */
  value: string;
  num: number;
  at: number;
  end: number;
}

// Longest first: the lexer takes the first that matches.
const PUNCT = [
  '>>>=',
  '>>>', '===', '!==', '...', '**=', '<<=', '>>=',
  '**', '==', '!=', '<=', '>=', '&&', '||', '??', '<<', '>>', '++', '--', '?.',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '{', '}', '(', ')', '[', ']', ';', ',', '.', '?', ':', '+', '-', '*', '/', '%', '<', '>', '!', '~', '&', '|', '^', '=',
];

const IDENT_START = /[A-Za-z_$]/;
/** A duration's unit as a number runs into it (`10ms`), and the exponent that writes it in nanoseconds. */
const DURATION_EXPONENT = new Map([['ns', ''], ['us', 'e3'], ['ms', 'e6'], ['s', 'e9']]);
/** The same in milliseconds, which pending() takes: there `10ms` is `10`. */
const MS_EXPONENT = new Map([['ns', 'e-6'], ['us', 'e-3'], ['ms', ''], ['s', 'e3']]);
const IDENT_PART = /[A-Za-z0-9_$]/;

export class Lexer {
  pos = 0;

  constructor(readonly src: string) {}

  fail(at: number, message: string): never {
    throw new ProgramError(this.src, at, message);
  }

  /** Skip white space and comments (`// …`, `/* … *\/`, and `#` at the start of a line for shebangs). */
  skipSpace(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '/' && s[this.pos + 1] === '/') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail(this.pos, 'unterminated comment');
        this.pos = end + 2;
      } else if (c === '#' && s[this.pos + 1] === '!' && this.pos === 0) {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  peek(): Token {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }

  next(): Token {
    this.skipSpace();
    const s = this.src;
    const at = this.pos;
    if (at >= s.length) return { type: 'eof', value: '', num: 0, at, end: at };
    const c = s[at];
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[at + 1] ?? ''))) return this.number(at);
    if (c === '"' || c === "'") return this.string(at, c);
    if (c === '$' && IDENT_START.test(s[at + 1] ?? '')) {
      const name = this.word(at + 1);
      return { type: 'var', value: name, num: 0, at, end: this.pos };
    }
    if (c === '@') {
      const name = IDENT_START.test(s[at + 1] ?? '') ? this.word(at + 1) : ((this.pos = at + 1), '');
      return { type: 'map', value: name, num: 0, at, end: this.pos };
    }
    if (IDENT_START.test(c)) {
      const name = this.word(at);
      return { type: 'ident', value: name, num: 0, at, end: this.pos };
    }
    for (const p of PUNCT) {
      if (s.startsWith(p, at)) {
        this.pos = at + p.length;
        return { type: 'punct', value: p, num: 0, at, end: this.pos };
      }
    }
    this.fail(at, `unexpected character '${c}'`);
  }

  private word(from: number): string {
    let i = from;
    while (i < this.src.length && IDENT_PART.test(this.src[i])) i++;
    this.pos = i;
    return this.src.slice(from, i);
  }

  /**
   * `10ms` is no number: the error says how to write it, in the nanoseconds `elapsed` counts
   * (`10e6`), or in pending()'s milliseconds (`10`).
   */
  private number(at: number): Token {
    const m = /^(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(this.src.slice(at));
    const text = m?.[0] ?? '';
    const num = Number(text.replaceAll('_', ''));
    if (text === '' || Number.isNaN(num)) this.fail(at, `malformed number '${text || this.src[at]}'`);
    this.pos = at + text.length;
    if (IDENT_START.test(this.src[this.pos] ?? '')) {
      const unit = /^[0-9_.]+$/.test(text) ? this.word(this.pos) : '';
      const written = this.src.slice(at, this.pos);
      let hint = '';
      if (/\bpending\s*\(\s*$/.test(this.src.slice(0, at)) && MS_EXPONENT.has(unit)) {
        const ms = MS_EXPONENT.get(unit);
        hint = `: pending() takes a plain number of milliseconds (${ms === '' ? `pending(${text})` : `${written} is ${text}${ms} there`})`;
      } else if (DURATION_EXPONENT.has(unit)) {
        hint = `: a duration is a number of nanoseconds, as elapsed is (${written} is ${text}${DURATION_EXPONENT.get(unit)})`;
      }
      this.fail(at + text.length, `a number cannot run into a name${hint}`);
    }
    return { type: 'num', value: text, num, at, end: this.pos };
  }

  private string(at: number, quote: string): Token {
    let i = at + 1;
    let out = '';
    const s = this.src;
    for (;;) {
      if (i >= s.length || s[i] === '\n') this.fail(at, 'unterminated string');
      const c = s[i];
      if (c === quote) break;
      if (c === '\\') {
        const e = s[i + 1];
        if (e === undefined) this.fail(i, 'unterminated string');
        if (e in ESCAPES) out += ESCAPES[e];
        else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 2;
        } else this.fail(i, `unknown escape '\\${e}'`);
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return { type: 'str', value: out, num: 0, at, end: this.pos };
  }

  /** A probe target: everything up to white space, `{`, or a `,` between probes. */
  rawTarget(): { text: string; at: number } {
    const s = this.src;
    const at = this.pos;
    let i = at;
    while (i < s.length && !/[\s{,]/.test(s[i])) i++;
    this.pos = i;
    return { text: s.slice(at, i), at };
  }
}
