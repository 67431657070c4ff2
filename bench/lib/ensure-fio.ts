import { execFileSync } from 'node:child_process';
import { fioVersion } from './fio';

/**
 * fio if missing, as scripts/ensure-deps.sh installs Debian packages
 * (scripts/apt-packages.d/bench.txt lists it): apt-get, through sudo when not
 * root. Idempotent: a present fio is left alone. Returns `fio --version`.
 */
export async function ensureFio(): Promise<string> {
  const have = await fioVersion();
  if (have) return have;
  console.log('fio is missing: installing the Debian package fio');
  const sudo = process.getuid?.() !== 0;
  const apt = (...args: string[]) =>
    execFileSync(sudo ? 'sudo' : 'apt-get', sudo ? ['apt-get', ...args] : args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', 'fio');
  const now = await fioVersion();
  if (!now) throw new Error('fio is still missing after apt-get install fio');
  return now;
}
