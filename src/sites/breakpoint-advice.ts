// What a user can do about a probe a breakpoint site cannot serve, in words said both by the
// runtime (-p) and by the command (--dry-run -p): a module of text alone, so that the command
// does not load the sites to say it.

/** What an fnret probe that a breakpoint site would never run can do instead (said by -p, and by --dry-run -p). */
export const NO_RETURN_INSTEAD = 'instead, fn: on the same target sees its calls (entries, with their arguments); fnret: on the sync functions '
  + 'it calls sees theirs, with their latency; fnret:MODULE#EXPORT sees its returns where its callers call it through the export (a wrap '
  + 'site); and a restart with load sites (jsprobe -c, or node --import jsprobe/register) sees every return';
