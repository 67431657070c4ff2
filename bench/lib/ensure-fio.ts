import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileMappingUnavailable } from '../../chunkstore/file-mapping';
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

/**
 * The chunk store's file-mapping binding (scripts/build-native.sh, idempotent), so the bench measures the
 * store as `npm start` and `npm test` set it up. Returns why mapped reads are still unavailable, or null.
 */
export function ensureFileMapping(): string | null {
  execFileSync('bash', [join(import.meta.dirname, '..', '..', 'scripts', 'build-native.sh')], { stdio: 'inherit' });
  return fileMappingUnavailable();
}
