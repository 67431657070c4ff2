import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fioVersion } from './fio';

/**
 * fio if missing: scripts/ensure-deps.sh --for bench installs what scripts/apt-packages.d/bench.txt lists
 * (apt-get, through sudo when not root). Idempotent: a present fio is left alone. Returns `fio --version`.
 */
export async function ensureFio(): Promise<string> {
  const have = await fioVersion();
  if (have) return have;
  execFileSync('bash', [join(import.meta.dirname, '..', '..', 'scripts', 'ensure-deps.sh'), '--for', 'bench'], {
    stdio: 'inherit',
  });
  const now = await fioVersion();
  if (!now) throw new Error('fio is still missing after scripts/ensure-deps.sh --for bench');
  return now;
}
