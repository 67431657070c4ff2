// Keystone's fernet key repositories (tokens, credentials), written directly: what
// `keystone-manage fernet_setup`/`credential_setup` produce, without two Python start-ups
// competing for the CPU with the database syncs. Layout: "0" = staged key, "1" = primary key;
// each key is Fernet.generate_key(), i.e. 32 random bytes in URL-safe base64 with padding.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeFernetKeyRepository(dir: string): string {
  mkdirSync(dir, { recursive: true });
  // Keystone warns on every request when the repository is readable by others.
  chmodSync(dir, 0o700);
  for (const index of ['0', '1']) {
    writeFileSync(join(dir, index), randomBytes(32).toString('base64').replaceAll('+', '-').replaceAll('/', '_'), {
      mode: 0o600,
    });
  }
  return dir;
}
