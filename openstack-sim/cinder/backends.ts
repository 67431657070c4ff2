import { Hono } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { policyDenied } from '../errors';
import { cinderTime } from '../ids';
import type { ApiVersion } from '../microversion';
import { BUILTIN_DEFAULT_TYPE } from '../seed';
import type { Volume, VolumeType } from '../state';
import { volumeTypeName } from './lookup';

/**
 * The simulator's cinder deployment as operators inspect it: one scheduler on host "sim" and one cinder-volume
 * backend per volume type ("sim@<type>", one pool "sim@<type>#pool", like the fake driver: no capacity limit),
 * all in availability zone "nova" and always up. Routes: os-services, scheduler-stats/get_pools,
 * os-availability-zone.
 */
const SCHEDULER_HOST = 'sim';
export const ZONE = 'nova';

/** The backend "host@backend#pool" a volume lives on. */
export function volumeHost(cloud: SimulatedCloud, volume: Volume): string {
  return `${SCHEDULER_HOST}@${volumeTypeName(cloud, volume.volumeTypeId)}#pool`;
}

/** The types that name a backend (cinder's __DEFAULT__ names none). */
const backendTypes = (cloud: SimulatedCloud): VolumeType[] =>
  [...cloud.state.volumeTypes.values()].filter((t) => t.name !== BUILTIN_DEFAULT_TYPE);

function serviceViews(cloud: SimulatedCloud, version: ApiVersion) {
  // Services report every few seconds; "now" is as fresh as a heartbeat gets.
  const common = (binary: string, host: string) => ({
    binary,
    host,
    zone: ZONE,
    status: 'enabled',
    state: 'up',
    updated_at: cinderTime(Date.now()),
    ...(version.atLeast('3.7') ? { cluster: null } : {}),
    disabled_reason: null,
  });
  const backends = backendTypes(cloud).map((t) => ({
    ...common('cinder-volume', `${SCHEDULER_HOST}@${t.name}`),
    ...(version.atLeast('3.49') ? { backend_state: 'up' } : {}),
    replication_status: 'disabled',
    active_backend_id: null,
    frozen: false,
  }));
  return [...backends, common('cinder-scheduler', SCHEDULER_HOST)];
}

function poolView(cloud: SimulatedCloud, type: VolumeType, detail: boolean) {
  const name = `${SCHEDULER_HOST}@${type.name}#pool`;
  if (!detail) return { name };
  let allocated = 0;
  for (const v of cloud.state.volumes.values()) if (v.volumeTypeId === type.id) allocated += v.size;
  const capabilities = {
    pool_name: 'pool',
    total_capacity_gb: 'infinite',
    free_capacity_gb: 'infinite',
    provisioned_capacity_gb: allocated,
    reserved_percentage: 0,
    QoS_support: false,
    filter_function: null,
    goodness_function: null,
    consistencygroup_support: false,
    replication_enabled: false,
    group_replication_enabled: false,
    allocated_capacity_gb: allocated,
    volume_backend_name: type.name,
    storage_protocol: 'simulated',
    vendor_name: 'blockflow',
    driver_version: '1.0.0',
    timestamp: cinderTime(Date.now()),
  };
  return { name, capabilities };
}

const requireAdmin = (auth: AuthContext, rule: string) => {
  if (!auth.isAdmin) throw policyDenied(rule);
};

export function backendRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  app.get('/os-services', (c) => {
    requireAdmin(c.get('auth'), 'volume_extension:services:index');
    const { binary, host } = c.req.query();
    const services = serviceViews(cloud, c.get('apiVersion')).filter(
      (s) => (binary === undefined || s.binary === binary) && (host === undefined || s.host === host),
    );
    return c.json({ services });
  });

  app.get('/scheduler-stats/get_pools', (c) => {
    requireAdmin(c.get('auth'), 'scheduler_extension:scheduler_stats:get_pools');
    const detail = ['true', '1', 'yes'].includes((c.req.query('detail') ?? '').toLowerCase());
    const name = c.get('apiVersion').atLeast('3.28') ? c.req.query('name') : undefined;
    const pools = backendTypes(cloud)
      .map((t) => poolView(cloud, t, detail))
      .filter((p) => name === undefined || p.name === name);
    return c.json({ pools });
  });

  app.get('/os-availability-zone', (c) =>
    c.json({ availabilityZoneInfo: [{ zoneName: ZONE, zoneState: { available: true } }] }),
  );

  return app;
}
