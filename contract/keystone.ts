// A real Keystone (Debian's keystone package, Zed): its own keystone.conf with fernet tokens and
// a private database, bootstrapped with the admin user, served by uwsgi on loopback.
import { uwsgiArgs } from './uwsgi';
import { join } from 'node:path';
import { ADMIN, REGION } from './accounts';
import { writeFernetKeyRepository } from './fernet-keys';
import { writeIni } from './ini';
import { freePort } from '../infra/ephemeral';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';

export interface Keystone {
  /** …/v3, as clients are configured. */
  authUrl: string;
  /** With { newRbac: true }: …/v3 of a second Keystone process on the same database and keys (see below). */
  newRbacAuthUrl?: string;
}

const MANAGE_TIMEOUT_MS = 90_000;

export async function startKeystone(
  group: ProcessGroup,
  layout: Layout,
  databaseUrl: string,
  opts: { newRbac?: boolean } = {},
): Promise<Keystone> {
  const dir = layout.dir('keystone');
  const authUrl = `http://${HOST}:${layout.ports.keystone}/v3`;
  const fernetKeys = writeFernetKeyRepository(join(dir, 'fernet-keys'));
  const sections = {
    DEFAULT: { use_stderr: true },
    database: { connection: databaseUrl },
    token: { provider: 'fernet', expiration: 3600 },
    fernet_tokens: { key_repository: fernetKeys },
    fernet_receipts: { key_repository: fernetKeys },
    credential: { key_repository: writeFernetKeyRepository(join(dir, 'credential-keys')) },
    // The fewest bcrypt rounds keystone allows: a password check costs ~1 ms instead of ~250 ms.
    identity: { password_hash_rounds: 4 },
    // In-process token/assignment cache: requests take ~15 ms instead of ~250 ms. One uwsgi process
    // (threads below) keeps it coherent, e.g. when a token is revoked.
    cache: { enabled: true, backend: 'dogpile.cache.memory' },
  };
  const conf = writeIni(join(dir, 'keystone.conf'), sections);
  const manage = (name: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    group.run(
      `keystone-manage-${name}`,
      { command: 'keystone-manage', args: ['--config-file', conf, ...args], env: { ...process.env, ...env } },
      MANAGE_TIMEOUT_MS,
    );

  await manage('db-sync', ['db_sync']);
  // uwsgi loads the app while bootstrap runs: both take seconds of Python imports.
  group.daemon(
    'keystone',
    {
      command: 'uwsgi',
      args: uwsgiArgs('/usr/bin/keystone-wsgi-public', layout.ports.keystone, `OS_KEYSTONE_CONFIG_FILES=${conf}`),
    },
    { graceMs: 10_000 },
  );
  // The password goes through the environment so it never shows in `ps`.
  const bootstrap = manage(
    'bootstrap',
    [
      'bootstrap',
      '--bootstrap-username',
      ADMIN.name,
      '--bootstrap-project-name',
      ADMIN.project,
      '--bootstrap-role-name',
      'admin',
      '--bootstrap-service-name',
      'keystone',
      '--bootstrap-region-id',
      REGION,
      ...['admin', 'public', 'internal'].flatMap((iface) => [`--bootstrap-${iface}-url`, `${authUrl}/`]),
    ],
    { OS_BOOTSTRAP_PASSWORD: ADMIN.password },
  );

  // Keystone's new RBAC defaults, as clouds that turned them on run it: the same data and fernet keys, so
  // a token of either process is good at both, and one contract run checks both policies. Its own
  // in-process cache, so a revocation made through the other process shows here only after the cache's
  // expiry (the checks create, use and delete their trusts through one process).
  const newRbac = opts.newRbac ? await freePort() : undefined;
  if (newRbac) {
    const rbacConf = writeIni(join(dir, 'keystone-new-rbac.conf'), {
      ...sections,
      oslo_policy: { enforce_new_defaults: true, enforce_scope: true },
    });
    group.daemon(
      'keystone-new-rbac',
      {
        command: 'uwsgi',
        args: uwsgiArgs('/usr/bin/keystone-wsgi-public', newRbac, `OS_KEYSTONE_CONFIG_FILES=${rbacConf}`),
      },
      { graceMs: 10_000 },
    );
  }
  const newRbacAuthUrl = newRbac ? `http://${HOST}:${newRbac}/v3` : undefined;

  await bootstrap;
  for (const url of [authUrl, ...(newRbacAuthUrl ? [newRbacAuthUrl] : [])]) {
    await group.waitFor(
      `Keystone at ${url}`,
      async () => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status === 200,
      60_000,
    );
  }
  return { authUrl, newRbacAuthUrl };
}
