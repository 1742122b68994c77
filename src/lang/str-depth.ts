// The levels of nesting `str(x, N)` may show, in a module of its own: the calls pass checks N against
// it, and the command's `watch` verb its -x option, where the front (cli/front.ts) would otherwise
// carry the calls pass and the passes it imports only for this constant.

/** The levels of nesting `str(x, N)` may show: a constant, as the formatting's other bounds are. */
export const STR_DEPTH = { max: 10 } as const;
