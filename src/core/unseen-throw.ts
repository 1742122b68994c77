// The `error` of a call that a site saw end by a throw without seeing the value thrown (a
// breakpoint site: a throw passes none of its breakpoints). A registered symbol, so that a
// handler can tell it apart (`call.error === Symbol.for('jsprobe.thrownValueNotSeen')`) in any
// copy of jsprobe, and the formatters print it as THROWN_UNSEEN_TEXT.

export const THROWN_UNSEEN: symbol = Symbol.for('jsprobe.thrownValueNotSeen');
export const THROWN_UNSEEN_TEXT = '<thrown, value not seen>';
