// jsprobe's own code, which nothing may probe: the directory that holds core/, sites/, targets/;
// or, in the bundle that `jsprobe -p` loads into a target, that one file.

import { fileURLToPath } from 'node:url';

const here = import.meta.url;
export const OWN_CODE_URL = here.endsWith('.cjs') ? here : new URL('../', here).href;
export const OWN_CODE_PATH = fileURLToPath(OWN_CODE_URL);
