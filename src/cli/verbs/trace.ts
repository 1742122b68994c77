// `jsprobe trace TARGET`: not built yet.

import { UsageError } from '../args.js';
import type { Mode, VerbOptions } from './options.js';

export function traceProgram(_target: string, _options: VerbOptions, _mode: Mode): string {
  throw new UsageError('jsprobe trace is not built yet');
}
