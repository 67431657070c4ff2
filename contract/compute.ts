// The compute part of the peer ({ compute: true }): Placement, Nova and Neutron beside Keystone +
// Cinder, in their databases of the same PostgreSQL and on the same RabbitMQ. Configs are written
// first (Keystone needs their users and endpoints); start() then runs the database syncs alongside
// Keystone's and Cinder's, starts the services as soon as what each needs answers, and seeds the
// flavors and the shared network.
import type { AdminApi } from './admin-api';
import { createFlavors, createNetwork } from './compute-setup';
import type { Databases } from './databases';
import type { ServiceAccount } from './identity-setup';
import type { Layout } from './layout';
import { neutronAccount, startNeutron, syncNeutronDatabase, writeNeutronConfig } from './neutron';
import { novaAccount, startNovaServices, syncNovaDatabases, writeNovaConfig } from './nova';
import { placementAccount, startPlacement, syncPlacementDatabase, writePlacementConfig } from './placement';
import type { ProcessGroup } from './process-group';
import { serviceUser } from './service-auth';
import { settleAll } from './settle';

export interface ComputePeer {
  /** The shared network "private" (neutron chose its id). */
  networkId: string;
  computeUrl: string;
  networkUrl: string;
  placementUrl: string;
}

export interface ComputePlan {
  accounts: ServiceAccount[];
  /** `identity` resolves once Keystone holds the accounts (with an admin session). */
  start(identity: Promise<AdminApi>): Promise<ComputePeer>;
}

type Timed = <T>(phase: string, work: Promise<T>) => Promise<T>;

export function planCompute(
  group: ProcessGroup,
  layout: Layout,
  deps: { databases: Databases; transportUrl: string; authUrl: string; timed: Timed },
): ComputePlan {
  const { databases, transportUrl, authUrl, timed } = deps;
  const users = { nova: serviceUser('nova'), placement: serviceUser('placement'), neutron: serviceUser('neutron') };
  const placement = writePlacementConfig(layout, {
    databaseUrl: databases.url('placement'),
    authUrl,
    user: users.placement,
  });
  const nova = writeNovaConfig(layout, {
    apiDatabaseUrl: databases.url('nova_api'),
    databaseUrl: databases.url('nova'),
    cell0Url: databases.url('nova_cell0'),
    transportUrl,
    authUrl,
    user: users.nova,
    pg: { api: databases.pgUrl('nova_api'), cell1: databases.pgUrl('nova') },
  });
  const neutron = writeNeutronConfig(layout, {
    databaseUrl: databases.url('neutron'),
    transportUrl,
    authUrl,
    user: users.neutron,
    novaUser: users.nova,
  });
  return {
    accounts: [
      placementAccount(placement, users.placement),
      novaAccount(nova, users.nova),
      neutronAccount(neutron, users.neutron),
    ],
    async start(identity) {
      const placementUp = timed('placement db sync', syncPlacementDatabase(group, placement)).then(() =>
        timed('placement', startPlacement(group, layout, placement)),
      );
      const novaDatabases = timed(
        'nova databases',
        syncNovaDatabases(group, nova, () => databases.copy('nova_cell0')),
      );
      const neutronUp = timed('neutron db sync', syncNeutronDatabase(group, neutron)).then(() =>
        timed('neutron-server', startNeutron(group, neutron)),
      );
      const novaUp = Promise.all([identity, placementUp, novaDatabases]).then(async ([api]) => {
        await timed('nova services', startNovaServices(group, layout, nova, api, placement.url));
        await timed('flavors', createFlavors(api, nova.endpointUrl));
      });
      const network = Promise.all([identity, neutronUp]).then(([api]) =>
        timed('network', createNetwork(group, api, neutron.url)),
      );
      const [networkId] = await settleAll([network, placementUp, novaDatabases, neutronUp, novaUp]);
      return { networkId, computeUrl: nova.endpointUrl, networkUrl: neutron.url, placementUrl: placement.url };
    },
  };
}
