// A real Placement (Debian's placement-api 8, Zed), served by uwsgi on loopback like Keystone:
// nova-compute reports its fake hypervisor's inventory here and nova-scheduler claims from it.
import { uwsgiArgs } from './uwsgi';
import { join } from 'node:path';
import type { ServiceAccount, ServiceUser } from './identity-setup';
import { writeIni } from './ini';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';
import { authTokenSection } from './service-auth';

export interface PlacementConfig {
  /** The folder holding placement.conf (placement's wsgi app reads OS_PLACEMENT_CONFIG_DIR). */
  dir: string;
  conf: string;
  url: string;
}

export function writePlacementConfig(
  layout: Layout,
  deps: { databaseUrl: string; authUrl: string; user: ServiceUser },
): PlacementConfig {
  const dir = layout.dir('placement');
  const conf = writeIni(join(dir, 'placement.conf'), {
    DEFAULT: { use_stderr: true },
    api: { auth_strategy: 'keystone' },
    placement_database: { connection: deps.databaseUrl },
    keystone_authtoken: authTokenSection(deps.authUrl, deps.user),
  });
  return { dir, conf, url: `http://${HOST}:${layout.ports.placement}` };
}

export function placementAccount(config: PlacementConfig, user: ServiceUser): ServiceAccount {
  return { user, catalog: [{ type: 'placement', name: 'placement', url: config.url }] };
}

export async function syncPlacementDatabase(group: ProcessGroup, config: PlacementConfig): Promise<void> {
  await group.run(
    'placement-manage-db-sync',
    { command: 'placement-manage', args: ['--config-file', config.conf, 'db', 'sync'] },
    120_000,
  );
}

/** Resolves once placement answers its (unauthenticated) version document. */
export async function startPlacement(group: ProcessGroup, layout: Layout, config: PlacementConfig): Promise<void> {
  group.daemon(
    'placement',
    {
      command: 'uwsgi',
      args: uwsgiArgs('/usr/bin/placement-api', layout.ports.placement, `OS_PLACEMENT_CONFIG_DIR=${config.dir}`),
    },
    { graceMs: 3_000 },
  );
  await group.waitFor(
    `placement at ${config.url}`,
    async () => (await fetch(config.url, { signal: AbortSignal.timeout(5_000) })).status === 200,
    90_000,
  );
}
