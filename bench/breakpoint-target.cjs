'use strict';
// The function bench/breakpoint-ab.mjs probes on a breakpoint site: a trivial one, in a file of its own.
module.exports = { fn: (a) => a + 1 };
