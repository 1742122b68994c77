// Checking a ProbeSpec before anything is touched: every mistake gets JSPROBE_E_INVALID_SPEC and
// a message that says what to write instead.

import { didYouMean } from './close-matches.js';
import { JsprobeError } from './errors.js';
import { definedBy, noProto, ObjectCreate } from './primordials.js';
import type { ProbeSpec } from './types.js';

const KEYS = ['target', 'name', 'onEntry', 'onReturn', 'maxActive', 'leaseMs', 'disabled', 'site', 'maxPauseMs', 'threads'];
const SITES = ['auto', 'wrap', 'load', 'live', 'breakpoint'];
/** Names other tracers use for the same handlers. */
const ALIASES: Record<string, string> = noProto({
  onExit: 'onReturn', onLeave: 'onReturn', onRet: 'onReturn', onEnd: 'onReturn', after: 'onReturn',
  onEnter: 'onEntry', onCall: 'onEntry', onStart: 'onEntry', before: 'onEntry', fn: 'target', func: 'target',
});

export const DEFAULT_MAX_ACTIVE = 4096;
export const DEFAULT_LEASE_MS = 1000;

function invalid(message: string): never {
  throw new JsprobeError('JSPROBE_E_INVALID_SPEC', message);
}

/**
 * The spec's fields, on an object with no prototype: its own, and its prototypes' short of
 * Object.prototype (a class instance's methods and getters, an Object.create(base)), as they were
 * read before; a field it leaves out is undefined there, not what a program may have put on
 * Object.prototype (test/safety/pollute.test.ts).
 */
function specFields(spec: object): ProbeSpec {
  const out = ObjectCreate(null) as Record<string, unknown>;
  for (let i = 0; i < KEYS.length; i++) if (definedBy(spec, KEYS[i])) out[KEYS[i]] = (spec as Record<string, unknown>)[KEYS[i]];
  return out as unknown as ProbeSpec;
}

/** `given`, checked: its own fields, for register() to use in its place. */
export function checkSpec(given: ProbeSpec): ProbeSpec {
  if (typeof given !== 'object' || given === null) invalid(`a probe spec must be an object, got ${typeof given}`);
  for (const key of Object.keys(given)) {
    if (KEYS.includes(key)) continue;
    const hint = ALIASES[key] !== undefined ? ` Did you mean ${ALIASES[key]}?` : didYouMean(key, KEYS);
    invalid(`unknown probe spec field '${key}'.${hint}`);
  }
  const spec = specFields(given);
  const t = spec.target;
  if (typeof t !== 'string' && typeof t !== 'function' && (typeof t !== 'object' || t === null)) {
    invalid(`target must be a string, a function or { object, key }, got ${t === null ? 'null' : typeof t}`);
  }
  if (typeof t === 'string' && t.trim() === '') invalid('target is an empty string');
  for (const h of ['onEntry', 'onReturn'] as const) {
    if (spec[h] !== undefined && typeof spec[h] !== 'function') invalid(`${h} must be a function`);
  }
  if (spec.name !== undefined && typeof spec.name !== 'string') invalid('name must be a string');
  const { maxActive, leaseMs } = spec;
  if (maxActive !== undefined && !(Number.isSafeInteger(maxActive) && maxActive >= 1)) {
    invalid(`maxActive must be a whole number >= 1, got ${String(maxActive)}`);
  }
  if (leaseMs !== undefined && !(typeof leaseMs === 'number' && leaseMs >= 0 && Number.isFinite(leaseMs))) {
    invalid(`leaseMs must be a finite number of ms >= 0, got ${String(leaseMs)}`);
  }
  if (spec.site !== undefined && !SITES.includes(spec.site)) {
    invalid(`site must be one of ${SITES.join(', ')}, got '${String(spec.site)}'.${didYouMean(String(spec.site), SITES)}`);
  }
  const { maxPauseMs } = spec;
  if (maxPauseMs !== undefined && !(typeof maxPauseMs === 'number' && maxPauseMs >= 0 && !Number.isNaN(maxPauseMs))) {
    invalid(`maxPauseMs must be a number of ms >= 0 (Infinity: no budget), got ${String(maxPauseMs)}`);
  }
  if (spec.threads !== undefined && spec.threads !== 'current' && spec.threads !== 'all') {
    invalid(`threads must be 'current' or 'all', got '${String(spec.threads)}'`);
  }
  if (spec.disabled !== undefined && typeof spec.disabled !== 'boolean') invalid('disabled must be a boolean');
  return spec;
}
