// The one place a probe's site kind is chosen (the `site` option of docs/api.md). Resolution asks at
// each step with what it knows of the target's code by then: the shape of the target, whether
// load sites are there, whether a loaded function can be patched in place. The answer is a kind,
// or null when the preference cannot be had there; the caller says why, in its own terms.

import type { SiteKind, SitePreference } from '../core/index.js';

export type TargetCode =
  /** `{ object, key }` or `module#export`: a property that holds the function. */
  | { shape: 'property' }
  /** A Function object: its code is patched where it is (live, or breakpoint where LiveEdit cannot). */
  | { shape: 'function' }
  /** `file:name` or `file:LINE`: code in a file, with load sites placed as it loaded, or not. */
  | { shape: 'file'; loadSites: boolean }
  /** A function of a loaded script, which LiveEdit can patch in place or not (liveable). */
  | { shape: 'loaded'; liveable: boolean };

export function chooseSiteKind(preference: SitePreference, code: TargetCode): SiteKind | null {
  switch (code.shape) {
    case 'property':
      return preference === 'auto' || preference === 'wrap' ? 'wrap' : null;
    case 'function':
      return preference === 'wrap' || preference === 'load' ? null : preference === 'breakpoint' ? 'breakpoint' : 'live';
    case 'file':
      if (preference === 'wrap') return null;
      if (preference === 'live' || preference === 'breakpoint') return preference;
      // auto: load sites where the file has them, else the functions already loaded, if any.
      return preference === 'load' || code.loadSites ? 'load' : 'live';
    case 'loaded':
      if (preference === 'breakpoint') return 'breakpoint';
      if (code.liveable) return preference === 'auto' || preference === 'live' ? 'live' : null;
      return preference === 'auto' ? 'breakpoint' : null;
  }
}
