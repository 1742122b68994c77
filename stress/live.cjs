// Probe targets for `npm run stress` that load without load sites: probes on them are live sites
// (LiveEdit), patched and put back as probes come and go.
'use strict';

function liveSync(x) {
  if (x % 19 === 0) throw new Error('stress failure');
  return (x * 31 + 7) % 1009;
}

async function liveAsync(x) {
  await null;
  return (x * 31 + 7) % 1009;
}

module.exports = { liveSync, liveAsync };
