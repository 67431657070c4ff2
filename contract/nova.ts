// A real Nova (Debian's nova-api/-conductor/-scheduler/-compute 26, Zed) with the fake virt
// driver: API, scheduler, conductor, cells, placement claims, block-device mappings against the
// real Cinder and ports from the real Neutron are exercised; no guest ever runs.
import { join } from 'node:path';
import { isPortOpen } from '../infra/processes';
import type { AdminApi } from './admin-api';
import type { ServiceAccount, ServiceUser } from './identity-setup';
import { writeIni } from './ini';
import { mapCells, mapHost } from './nova-cells';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';
import { authTokenSection, passwordAuth } from './service-auth';
import { settleAll } from './settle';

/**
 * Neutron's agentless `test` mechanism driver binds ports only on hosts with magic names; this
 * one gives an OVS binding with the hybrid firewall, as an ordinary compute node would have.
 */
export const COMPUTE_HOST = 'host-ovs-filter-active';

export interface NovaConfig {
  conf: string;
  cell0Url: string;
  cell1Url: string;
  transportUrl: string;
  /** node-postgres URLs of the API and cell1 databases (cell and host mappings are written directly). */
  pg: { api: string; cell1: string };
  /** Catalog URL of the compute API (microversions under /v2.1, project from the token). */
  endpointUrl: string;
}

export interface NovaDeps {
  apiDatabaseUrl: string;
  databaseUrl: string;
  cell0Url: string;
  transportUrl: string;
  authUrl: string;
  user: ServiceUser;
  pg: NovaConfig['pg'];
}

export function writeNovaConfig(layout: Layout, deps: NovaDeps): NovaConfig {
  const port = layout.ports.nova;
  const auth = passwordAuth(deps.authUrl, deps.user);
  const conf = writeIni(join(layout.dir('nova'), 'nova.conf'), {
    DEFAULT: {
      compute_driver: 'fake.FakeDriver',
      enabled_apis: 'osapi_compute',
      osapi_compute_listen: HOST,
      osapi_compute_listen_port: port,
      osapi_compute_workers: 1,
      host: COMPUTE_HOST,
      my_ip: HOST,
      transport_url: deps.transportUrl,
      state_path: layout.dir('nova/state'),
      instances_path: layout.dir('nova/instances'),
      // The fake hypervisor has 8 vCPUs and 8000 MB: without overcommit three m1.small would fill it.
      initial_cpu_allocation_ratio: 64,
      initial_ram_allocation_ratio: 64,
      initial_disk_allocation_ratio: 64,
      use_stderr: true,
    },
    api: { auth_strategy: 'keystone' },
    wsgi: { api_paste_config: '/etc/nova/api-paste.ini' },
    api_database: { connection: deps.apiDatabaseUrl },
    database: { connection: deps.databaseUrl },
    conductor: { workers: 1 },
    scheduler: { workers: 1 },
    keystone_authtoken: authTokenSection(deps.authUrl, deps.user),
    placement: auth,
    neutron: auth,
    cinder: { ...auth, os_region_name: auth.region_name, catalog_info: 'volumev3::publicURL' },
    service_user: { ...auth, send_service_user_token: true },
    // Never contacted (every server boots from volumes), but the compute node resolves an image
    // endpoint for every build and fails it with EndpointNotFound without one: nothing listens on port 9.
    glance: { endpoint_override: `http://${HOST}:9` },
    oslo_concurrency: { lock_path: layout.dir('nova/locks') },
  });
  return {
    conf,
    cell0Url: deps.cell0Url,
    cell1Url: deps.databaseUrl,
    transportUrl: deps.transportUrl,
    pg: deps.pg,
    endpointUrl: `http://${HOST}:${port}/v2.1`,
  };
}

export function novaAccount(config: NovaConfig, user: ServiceUser): ServiceAccount {
  return { user, catalog: [{ type: 'compute', name: 'nova', url: config.endpointUrl }] };
}

/**
 * The API database and the cell database migrated side by side (`--local_cell`: cell1's only), cell0
 * made as a copy of the migrated cell1 (the same schema: `copyCell0`), both cells mapped.
 */
export async function syncNovaDatabases(
  group: ProcessGroup,
  config: NovaConfig,
  copyCell0: () => Promise<void>,
): Promise<void> {
  const manage = (name: string, args: string[]) =>
    group.run(
      `nova-manage-${name}`,
      { command: 'nova-manage', args: ['--config-file', config.conf, ...args] },
      180_000,
    );
  await settleAll([
    manage('api-db-sync', ['api_db', 'sync']),
    manage('db-sync', ['db', 'sync', '--local_cell']).then(copyCell0),
  ]);
  await mapCells(config.pg.api, config);
}

/**
 * Starts conductor, scheduler, compute and API (placement and keystone must answer: conductor and
 * scheduler exit at start otherwise); maps the compute host into cell1 once it has reported to
 * placement (as discover_hosts would); resolves when the API listens.
 */
export async function startNovaServices(
  group: ProcessGroup,
  layout: Layout,
  config: NovaConfig,
  admin: AdminApi,
  placementUrl: string,
): Promise<void> {
  for (const service of ['nova-conductor', 'nova-scheduler', 'nova-compute', 'nova-api']) {
    group.daemon(service, { command: service, args: ['--config-file', config.conf] }, { graceMs: 3_000 });
  }
  await group.waitFor(
    `nova-compute's resource provider "${COMPUTE_HOST}" in placement`,
    async () => {
      const body = await admin.call<{ resource_providers: { name: string }[] }>(
        'GET',
        `${placementUrl}/resource_providers`,
      );
      return body.resource_providers.some((rp) => rp.name === COMPUTE_HOST);
    },
    150_000,
    500,
  );
  // The compute node row exists before its resource provider does: it can be mapped now.
  await mapHost(config.pg.api, config.pg.cell1, COMPUTE_HOST);
  await group.waitFor(`nova-api on ${HOST}:${layout.ports.nova}`, () => isPortOpen(layout.ports.nova), 60_000);
}
