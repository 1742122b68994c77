'use strict';
// typescript.js-like small helpers and a caller (scan) that calls them in a loop: for
// bench/inline-drive.mjs, which probes each of them (docs/benchmarks.md, issue 18 round 6).
function isDigit(ch) { return ch >= 48 && ch <= 57; }
function isLower(ch) { return ch >= 97 && ch <= 122; }
function isUpper(ch) { return ch >= 65 && ch <= 90; }
function isWordCharacter(ch) { return isLower(ch) || isUpper(ch) || isDigit(ch) || ch === 95 || ch === 36; }
function codePointUnchecked(s, i) { return s.codePointAt(i); }
function charSize(ch) { return ch >= 65536 ? 2 : 1; }
function isWhite(ch) { return ch === 32 || ch === 9 || ch === 10 || ch === 13; }
const state = { pos: 0, tok: 0, flags: 0 };
function token() { return state.tok; }
function getPos() { return state.pos; }
function setTok(t) { state.tok = t; return t; }
function hasFlag(f) { return (state.flags & f) !== 0; }
function scan(s) {
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const ch = codePointUnchecked(s, i);
    if (isWhite(ch)) { i++; continue; }
    if (isWordCharacter(ch)) {
      const start = i;
      while (i < s.length && isWordCharacter(codePointUnchecked(s, i))) i += charSize(ch);
      setTok(i - start);
      if (hasFlag(4)) n--;
      n += token() + getPos();
      continue;
    }
    i++;
  }
  return n;
}
module.exports = { scan };
