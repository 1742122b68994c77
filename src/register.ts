// `node --import jsprobe/register app.js`: install the load hooks before the program loads, so
// that probes on code that has not loaded yet get load sites as it loads. Files named in
// JSPROBE_LOAD_SITES (comma-separated globs) get a site on every function, armed or not.

import module from 'node:module';
import { installCjsHook } from './sites/hooks/cjs.js';
import { currentWanted, loadedLog, setHooked, wantedList } from './sites/load/wanted.js';
import { noteRewriteFailure } from './targets/file-target.js';
import './index.js';

installCjsHook(currentWanted, noteRewriteFailure);
module.register(new URL('./sites/hooks/esm.js', import.meta.url), {
  data: { wanted: wantedList.sab, loaded: loadedLog.sab },
});
setHooked();
