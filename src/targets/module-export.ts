// `module#export.path` to the property that holds the function: the module is loaded the way the
// program would load it from the working directory, then the path is walked one name at a time.
// A miss names the closest names that do exist.

import { builtinModules, createRequire, isBuiltin } from 'node:module';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { didYouMean } from '../core/close-matches.js';
import { JsprobeError } from '../core/errors.js';
import { OWN_CODE_PATH } from '../sites/own-code.js';

export interface ExportProperty {
  object: object;
  key: string;
  label: string;
  builtin: boolean;
}

/** jsprobe's own code: nothing in it may be probed. */
export const OWN_CODE = OWN_CODE_PATH;

function notFound(message: string): never {
  throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', message);
}

/** The packages `cwd` could load: in its node_modules and its parents', as require looks (a service in a workspace's subdirectory). */
function installedPackages(cwd: string): string[] {
  const out = new Set<string>();
  for (let at = cwd, up = dirname(at); ; at = up, up = dirname(at)) {
    try {
      const dir = join(at, 'node_modules');
      for (const n of readdirSync(dir)) {
        if (n.startsWith('@')) for (const m of readdirSync(join(dir, n))) out.add(`${n}/${m}`);
        else if (!n.startsWith('.')) out.add(n);
      }
    } catch {
      // None here.
    }
    if (up === at) return [...out];
  }
}

/**
 * Where `name` would load from `cwd`, without loading it: the command checks a target of the
 * program it traces this way, since loading a module runs its code (an app's module may start
 * its server) in jsprobe's own process. Builtins resolve to themselves.
 */
export function resolveModule(name: string, cwd: string): string {
  if (isBuiltin(name)) return name;
  const require = createRequire(join(cwd, '[jsprobe]'));
  let file: string;
  try {
    file = require.resolve(name);
  } catch {
    const names = [...builtinModules.map((b) => `node:${b}`), ...installedPackages(cwd)];
    notFound(`module '${name}' not found from ${cwd}.${didYouMean(name, names)}`);
  }
  if (file.startsWith(OWN_CODE)) throw new JsprobeError('JSPROBE_E_BLACKLISTED', `${name} is part of jsprobe and cannot be probed`);
  return file;
}

export function loadModule(name: string, cwd: string): { exports: unknown; builtin: boolean } {
  const builtin = isBuiltin(name);
  const require = createRequire(join(cwd, '[jsprobe]'));
  let file: string | undefined;
  try {
    if (!builtin) {
      file = require.resolve(name);
      if (file.startsWith(OWN_CODE)) {
        throw new JsprobeError('JSPROBE_E_BLACKLISTED', `${name} is part of jsprobe and cannot be probed`);
      }
    }
    return { exports: require(name), builtin };
  } catch (e) {
    if (e instanceof JsprobeError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (file === undefined || !(e as Error).message.includes(file))) {
      const names = [...builtinModules.map((b) => `node:${b}`), ...installedPackages(cwd)];
      notFound(`module '${name}' not found from ${cwd}.${didYouMean(name, names)}`);
    }
    if (code === 'ERR_REQUIRE_ESM') {
      throw new JsprobeError('JSPROBE_E_NOT_WRAPPABLE',
        `${name} is an ES module: its exports are read-only bindings and cannot be wrapped; probe the function in its file instead (file:name)`);
    }
    throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `loading ${name} failed: ${(e as Error).message}`, { cause: e });
  }
}

export function namesOf(v: object): string[] {
  const out: string[] = [];
  for (let o: object | null = v; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    out.push(...Object.getOwnPropertyNames(o));
  }
  return out;
}

function isHolder(v: unknown): v is object {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/** The object that owns `key`: `v` itself or the prototype it inherits `key` from. */
function ownerOf(v: object, key: string): object | undefined {
  for (let o: object | null = v; o !== null; o = Object.getPrototypeOf(o)) {
    if (Object.prototype.hasOwnProperty.call(o, key)) return o;
  }
  return undefined;
}

export function resolveExport(module: string, path: readonly string[], cwd = process.cwd()): ExportProperty {
  const label = `${module}#${path.join('.')}`;
  const { exports, builtin } = loadModule(module, cwd);
  let holder: unknown = exports;
  for (let i = 0; i < path.length - 1; i++) {
    const where = i === 0 ? module : `${module}#${path.slice(0, i).join('.')}`;
    if (!isHolder(holder)) notFound(`${label}: ${where} is ${holder === null ? 'null' : typeof holder}, not an object`);
    const next: unknown = (holder as Record<string, unknown>)[path[i]];
    if (next === undefined) notFound(`${label}: ${where} has no '${path[i]}'.${didYouMean(path[i], namesOf(holder))}`);
    holder = next;
  }
  const key = path[path.length - 1];
  const where = path.length === 1 ? module : `${module}#${path.slice(0, -1).join('.')}`;
  if (!isHolder(holder)) notFound(`${label}: ${where} is ${holder === null ? 'null' : typeof holder}, not an object`);
  const owner = ownerOf(holder, key);
  if (owner === undefined) notFound(`${label}: ${where} has no '${key}'.${didYouMean(key, namesOf(holder))}`);
  return { object: owner, key, label, builtin };
}
