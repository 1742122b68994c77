// What a user can do about a probe a breakpoint site cannot serve, in words said both by the
// runtime (-p) and by the command (--dry-run -p): a module of text alone, so that the command
// does not load the sites to say it.

/** What an fnret probe that a breakpoint site would never run can do instead (said by -p, and by --dry-run -p). */
export const NO_RETURN_INSTEAD = 'instead, fn: on the same target sees its calls (entries, with their arguments); fnret: on the sync functions '
  + 'it calls sees theirs, with their latency; fnret:MODULE#EXPORT sees its returns where its callers call it through the export (a wrap '
  + 'site); and a restart with load sites (jsprobe -c, or node --import jsprobe/register) sees every return';

/**
 * What a wrap site on the property at `path` (`module.exports.handle`) sees, said where one is taken
 * instead of a live patch: the calls through the property, not the module's own calls of the
 * function by name, which never read it (docs/live-sites.md).
 */
export function wrapSees(path: string): string {
  return `a wrap site on ${path}, which sees the calls made through that property, not calls that do not read it `
    + '(the module\'s own calls of the function by name)';
}

/**
 * How live edits come on where V8 13 and later has them off: the target's environment at its
 * start, which an attach cannot change (the runtime reads it in the process: src/sites/inspector.ts).
 */
export const LIVE_EDIT_AT_START = 'only a process started with JSPROBE_LIVE_EDIT=1 in its environment makes them, '
  + 'which one already running cannot be given';
