// The Debian packages the real cloud needs, read from the same lists scripts/ensure-deps.sh
// installs from, so a machine without them fails at once with what to install.
import { existsSync, readFileSync } from 'node:fs';
import { isOnPath } from '../infra/processes';
import { fileURLToPath } from 'node:url';

const list = (name: string) => fileURLToPath(new URL(`../scripts/apt-packages.d/${name}`, import.meta.url));
/** Keystone + Cinder. */
export const BASE_PACKAGES = list('contract.txt');
/** Nova + Placement + Neutron ({ compute: true }). */
export const COMPUTE_PACKAGES = list('contract-compute.txt');

/** Throws naming every missing probe and its package. */
export function assertPackagesInstalled(lists: string[]): void {
  const missing = lists
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .map((line) => line.trim().split(/\s+/))
    .filter(([probe, pkg]) => probe && pkg && !probe.startsWith('#'))
    .filter(([probe]) => (probe.startsWith('/') ? !existsSync(probe) : !isOnPath(probe)))
    .map(([probe, pkg]) => `${probe} (package ${pkg})`);
  if (missing.length) {
    throw new Error(
      `the real OpenStack needs Debian packages that are missing: ${missing.join(', ')}; ` +
        `run scripts/ensure-deps.sh (it reads ${lists.join(' and ')})`,
    );
  }
}
