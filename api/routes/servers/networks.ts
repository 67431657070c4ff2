// Networks blockflow hands fixed IPs out on (operator routes): register a shared Neutron network of
// the admin project (its subnet's CIDR; the gateway and the addresses given are reserved), list them
// with their counts.
import { createRoute, z } from '@hono/zod-openapi';
import { FOREIGN_PORT_HOLDER_PREFIX } from '../../../servers/address-grant';
import { FixedIpError } from '../../../servers/fixed-ips';
import { manageNetwork, UnknownNetworkError } from '../../../servers/networks';
import type { ApiDeps } from '../../deps';
import { jsonBody, response, security } from '../../openapi';
import { invalidRequest, problemResponse } from '../../problem';
import { createRouter } from '../../router';
import { Ipv4Address } from './schemas';

const RegisterNetwork = z
  .object({
    network: z
      .string()
      .min(1)
      .max(255)
      .openapi({ description: "Neutron network id or name: a shared network of blockflow's admin project" }),
    reserved: z.array(Ipv4Address).max(1024).optional().openapi({
      description:
        'Addresses never handed out besides the gateway, replacing those reserved before (omitted: they stay)',
    }),
  })
  .strict();
const ManagedNetwork = z.object({
  id: z.string(),
  name: z.string(),
  cidr: z.string(),
  addresses: z.number(),
  reserved: z.number(),
  allocated: z.number(),
  setAside: z.number().openapi({
    description: 'Of the allocated: held by ports made outside blockflow, given back when their port goes',
  }),
  free: z.number(),
});

const routes = {
  register: createRoute({
    method: 'post',
    path: '/',
    summary: 'Let blockflow hand out fixed IPs on a Neutron network (idempotent)',
    security,
    request: jsonBody(RegisterNetwork),
    responses: {
      200: response('the managed network', ManagedNetwork),
      400: problemResponse('unknown network, or a reserved address outside it'),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    summary: 'Networks blockflow hands fixed IPs out on, with their address counts',
    responses: { 200: response('networks', z.object({ networks: z.array(ManagedNetwork) })) },
  }),
};

export function networkRoutes(deps: ApiDeps) {
  const { prisma, cloud } = deps;
  const view = async (id: string) => {
    const network = await prisma.managedNetwork.findUniqueOrThrow({ where: { id } });
    const [counts, setAside] = await Promise.all([
      prisma.fixedIp.groupBy({ by: ['allocated', 'reserved'], where: { networkId: id }, _count: { _all: true } }),
      prisma.fixedIp.count({ where: { networkId: id, allocatedTo: { startsWith: FOREIGN_PORT_HOLDER_PREFIX } } }),
    ]);
    const sum = (pick: (c: (typeof counts)[number]) => boolean) =>
      counts.filter(pick).reduce((n, c) => n + c._count._all, 0);
    return {
      id,
      name: network.name,
      cidr: network.cidr,
      addresses: sum(() => true),
      reserved: sum((c) => c.reserved),
      allocated: sum((c) => c.allocated),
      setAside,
      free: sum((c) => !c.allocated && !c.reserved),
    };
  };
  return createRouter()
    .openapi(routes.register, async (c) => {
      const body = c.req.valid('json');
      try {
        const network = await manageNetwork(prisma, cloud.admin, body.network, body.reserved);
        return c.json(await view(network.id), 200);
      } catch (err) {
        if (err instanceof UnknownNetworkError) return c.json(invalidRequest('network', err.message), 400);
        if (err instanceof FixedIpError) {
          return c.json(invalidRequest(err.code === 'invalid_cidr' ? 'network' : 'reserved', err.message), 400);
        }
        throw err;
      }
    })
    .openapi(routes.list, async (c) => {
      const networks = await prisma.managedNetwork.findMany({ orderBy: { name: 'asc' } });
      return c.json({ networks: await Promise.all(networks.map((n) => view(n.id))) }, 200);
    });
}
