// The Debian packages the real cloud needs, read from the same list scripts/ensure-deps.sh
// installs from, so a machine without them fails at once with what to install.
import { existsSync, readFileSync } from 'node:fs';
import { isOnPath } from '../infra/processes';
import { fileURLToPath } from 'node:url';

const PACKAGE_LIST = fileURLToPath(new URL('../scripts/apt-packages.d/contract.txt', import.meta.url));

/** Throws naming every missing probe and its package. */
export function assertPackagesInstalled(): void {
  const missing = readFileSync(PACKAGE_LIST, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([probe, pkg]) => probe && pkg && !probe.startsWith('#'))
    .filter(([probe]) => (probe.startsWith('/') ? !existsSync(probe) : !isOnPath(probe)))
    .map(([probe, pkg]) => `${probe} (package ${pkg})`);
  if (missing.length) {
    throw new Error(
      `the real Keystone + Cinder needs Debian packages that are missing: ${missing.join(', ')}; ` +
        `run scripts/ensure-deps.sh (it reads ${PACKAGE_LIST})`,
    );
  }
}
