// A real Cinder (Debian's cinder-api/-scheduler/-volume, Zed) with the fake volume driver: API,
// scheduler, RPC, database, quotas and state machines are real; no bytes are stored (this
// sandbox has no device-mapper, so LVM is impossible).
import { join } from 'node:path';
import { isPortOpen } from '../infra/processes';
import { VOLUME_TYPES, DOMAIN } from './accounts';
import type { ServiceAccount, ServiceUser } from './identity-setup';
import { writeIni } from './ini';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';

export const FAKE_BACKEND = 'fake';

export interface CinderConfig {
  conf: string;
  /** Catalog URL, with keystone's %(project_id)s placeholder. */
  endpointUrl: string;
}

export interface CinderDeps {
  databaseUrl: string;
  transportUrl: string;
  authUrl: string;
  serviceUser: ServiceUser;
}

export function writeCinderConfig(layout: Layout, deps: CinderDeps): CinderConfig {
  const port = layout.ports.cinder;
  const conf = writeIni(join(layout.dir('cinder'), 'cinder.conf'), {
    DEFAULT: {
      transport_url: deps.transportUrl,
      auth_strategy: 'keystone',
      osapi_volume_listen: HOST,
      osapi_volume_listen_port: port,
      osapi_volume_workers: 1,
      my_ip: HOST,
      host: 'contract',
      enabled_backends: FAKE_BACKEND,
      // The simulator's default type is its first one; a volume created without a type gets it here too.
      default_volume_type: VOLUME_TYPES[0],
      // The fake driver reports a fixed 5 GB pool that never fills; capacity is not under test.
      scheduler_default_filters: 'AvailabilityZoneFilter,CapabilitiesFilter',
      state_path: layout.dir('cinder/state'),
      api_paste_config: '/etc/cinder/api-paste.ini',
      rootwrap_config: '/etc/cinder/rootwrap.conf',
      use_stderr: true,
      // cinder-volume tells the scheduler its pools once at start and answers the scheduler's one request
      // at the scheduler's start; if both casts miss (the volume publishes before the scheduler listens,
      // the scheduler asks before the volume consumes: seen once in CI, under load), only the periodic
      // report is left. Its task runs 60 s after cinder-volume's import at the earliest (a spacing fixed
      // at import), but the stock timer first fires after a random 0–60 s and then every 60 s: up to
      // 120 s, past waitForCinder's 90 s. A timer every 5 s from the start bounds it at ~65 s.
      periodic_fuzzy_delay: 0,
      periodic_interval: 5,
    },
    database: { connection: deps.databaseUrl },
    keystone_authtoken: {
      www_authenticate_uri: deps.authUrl,
      auth_url: deps.authUrl,
      auth_type: 'password',
      username: deps.serviceUser.name,
      password: deps.serviceUser.password,
      project_name: deps.serviceUser.project,
      user_domain_name: DOMAIN,
      project_domain_name: DOMAIN,
    },
    oslo_concurrency: { lock_path: layout.dir('cinder/locks') },
    coordination: { backend_url: `file://${layout.dir('cinder/coordination')}` },
    [FAKE_BACKEND]: {
      volume_driver: 'cinder.tests.fake_driver.FakeLoggingVolumeDriver',
      volume_backend_name: FAKE_BACKEND,
    },
  });
  return { conf, endpointUrl: `http://${HOST}:${port}/v3/%(project_id)s` };
}

/** Both service types, as devstack publishes them: volumev3 (what cinderclient and blockflow look up) and
 * block-storage (what newer SDKs prefer). */
export function cinderAccount(config: CinderConfig, user: ServiceUser): ServiceAccount {
  return {
    user,
    catalog: [
      { type: 'volumev3', name: 'cinderv3', url: config.endpointUrl },
      { type: 'block-storage', name: 'cinder', url: config.endpointUrl },
    ],
  };
}

export async function syncCinderDatabase(group: ProcessGroup, config: CinderConfig): Promise<void> {
  await group.run(
    'cinder-manage-db-sync',
    { command: 'cinder-manage', args: ['--config-file', config.conf, 'db', 'sync'] },
    120_000,
  );
}

/** Starts scheduler, volume and API; resolves once the API listens (readiness of the rest: cinder-setup). */
export async function startCinderServices(group: ProcessGroup, layout: Layout, config: CinderConfig): Promise<string> {
  for (const service of ['cinder-scheduler', 'cinder-volume', 'cinder-api']) {
    // A throwaway instance needs no graceful drain (oslo.service takes 7–9 s for it): SIGKILL after 3 s.
    group.daemon(service, { command: service, args: ['--config-file', config.conf] }, { graceMs: 3_000 });
  }
  const port = layout.ports.cinder;
  await group.waitFor(`cinder-api on ${HOST}:${port}`, () => isPortOpen(port), 90_000);
  return `http://${HOST}:${port}/v3`;
}
