// A real neutron-server (Debian's 21, Zed) with ML2 and no agent at all: Neutron's own `test`
// mechanism driver (shipped in python3-neutron) binds ports on nova's compute host by its name
// (nova.ts COMPUTE_HOST), so nova gets real ports, addresses and IPAM without OVS or DHCP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceAccount, ServiceUser } from './identity-setup';
import { writeIni } from './ini';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';
import { authTokenSection, passwordAuth } from './service-auth';

export interface NeutronConfig {
  conf: string;
  url: string;
}

export interface NeutronDeps {
  databaseUrl: string;
  transportUrl: string;
  authUrl: string;
  user: ServiceUser;
  /** The nova user: neutron tells nova about port events (network-vif-plugged) with it. */
  novaUser: ServiceUser;
}

/**
 * The one rule changed from Neutron's defaults. Stock Zed lets a member name a fixed IP only on a
 * network its project owns (`create_port:fixed_ips:ip_address`: advsvc, network owner, admin), so a
 * tenant's boot on the shared "private" with a fixed IP fails on the compute node (nova's port
 * create gets 403: ERROR "Exceeded maximum number of retries", volumes detached, none deleted).
 * blockflow allocates tenants' addresses on a shared network, so its cloud needs this rule: an
 * address may be named wherever fixed_ips may be given, which includes shared networks.
 */
export const FIXED_IP_POLICY = { 'create_port:fixed_ips:ip_address': 'rule:create_port:fixed_ips' };

export function writeNeutronConfig(layout: Layout, deps: NeutronDeps): NeutronConfig {
  const port = layout.ports.neutron;
  const policyFile = join(layout.dir('neutron'), 'policy.yaml');
  writeFileSync(
    policyFile,
    Object.entries(FIXED_IP_POLICY)
      .map(([rule, check]) => `"${rule}": "${check}"\n`)
      .join(''),
  );
  const conf = writeIni(join(layout.dir('neutron'), 'neutron.conf'), {
    DEFAULT: {
      bind_host: HOST,
      bind_port: port,
      core_plugin: 'ml2',
      service_plugins: '',
      auth_strategy: 'keystone',
      transport_url: deps.transportUrl,
      api_workers: 1,
      // No agents: no RPC workers, no DHCP notifications.
      rpc_workers: 0,
      rpc_state_report_workers: 0,
      dhcp_agent_notification: false,
      notify_nova_on_port_status_changes: true,
      notify_nova_on_port_data_changes: true,
      state_path: layout.dir('neutron/state'),
      api_paste_config: '/etc/neutron/api-paste.ini',
      use_stderr: true,
    },
    database: { connection: deps.databaseUrl },
    keystone_authtoken: authTokenSection(deps.authUrl, deps.user),
    nova: passwordAuth(deps.authUrl, deps.novaUser),
    oslo_concurrency: { lock_path: layout.dir('neutron/locks') },
    oslo_policy: { policy_file: policyFile },
    ml2: {
      type_drivers: 'local,flat',
      tenant_network_types: 'local',
      mechanism_drivers: 'test',
      extension_drivers: 'port_security',
    },
  });
  return { conf, url: `http://${HOST}:${port}` };
}

export function neutronAccount(config: NeutronConfig, user: ServiceUser): ServiceAccount {
  return { user, catalog: [{ type: 'network', name: 'neutron', url: config.url }] };
}

export async function syncNeutronDatabase(group: ProcessGroup, config: NeutronConfig): Promise<void> {
  await group.run(
    'neutron-db-manage-upgrade',
    { command: 'neutron-db-manage', args: ['--config-file', config.conf, 'upgrade', 'head'] },
    180_000,
  );
}

/** Resolves once neutron-server answers its (unauthenticated) version document. */
export async function startNeutron(group: ProcessGroup, config: NeutronConfig): Promise<void> {
  group.daemon(
    'neutron-server',
    {
      command: 'neutron-server',
      args: ['--config-file', config.conf],
      // The test mechanism driver keeps its bookkeeping in asserts that do not hold for nova's
      // binding sequence; -O strips them (as nova-peer.md ran it).
      env: { ...process.env, PYTHONOPTIMIZE: '1' },
    },
    { graceMs: 3_000 },
  );
  await group.waitFor(
    `neutron-server at ${config.url}`,
    async () => (await fetch(config.url, { signal: AbortSignal.timeout(5_000) })).status === 200,
    120_000,
  );
}
