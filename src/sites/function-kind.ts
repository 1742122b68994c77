// What kind of function a site calls decides how its return is tracked.

import { types } from 'node:util';

export type FunctionKind = 'plain' | 'async' | 'generator' | 'async-generator';

export function functionKind(fn: Function): FunctionKind {
  if (types.isGeneratorFunction(fn)) return types.isAsyncFunction(fn) ? 'async-generator' : 'generator';
  if (types.isAsyncFunction(fn)) return 'async';
  return 'plain';
}

/** Whether `new fn()` is allowed, found without calling `fn`. */
export function isConstructor(fn: Function): boolean {
  try {
    Reflect.construct(String, [], fn);
    return true;
  } catch {
    return false;
  }
}
