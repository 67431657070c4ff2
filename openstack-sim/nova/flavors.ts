import { Hono } from 'hono';
import type { SimEnv } from '../env';
import { fault } from '../errors';
import { resourceLinks } from '../links';
import type { ApiVersion } from '../microversion';

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

/** devstack's classic flavors. */
export const FLAVORS: Flavor[] = [
  { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
  { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 },
  { id: '3', name: 'm1.medium', ram: 4096, vcpus: 2, disk: 40 },
  { id: '4', name: 'm1.large', ram: 8192, vcpus: 4, disk: 80 },
];

export function findFlavor(ref: string | number): Flavor | undefined {
  return FLAVORS.find((f) => f.id === String(ref));
}

export function novaLinks(base: string, collection: string, id: string) {
  return resourceLinks(`${base}/compute/v2.1`, `${base}/compute`, collection, id);
}

/** nova flavors: list, detail, show. */
export function flavorRoutes(baseUrl: () => string): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  // `description` exists from 2.55; a swap of 0 is "" before 2.75 (nova's view, checked against nova 26).
  const summary = (f: Flavor, version: ApiVersion) => ({
    id: f.id,
    name: f.name,
    links: novaLinks(baseUrl(), 'flavors', f.id),
    ...(version.atLeast('2.55') ? { description: null } : {}),
  });
  const detail = (f: Flavor, version: ApiVersion) => ({
    ...summary(f, version),
    ram: f.ram,
    vcpus: f.vcpus,
    disk: f.disk,
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    'os-flavor-access:is_public': true,
    swap: version.atLeast('2.75') ? 0 : '',
    rxtx_factor: 1.0,
  });
  app.get('/', (c) => c.json({ flavors: FLAVORS.map((f) => summary(f, c.get('apiVersion'))) }));
  app.get('/detail', (c) => c.json({ flavors: FLAVORS.map((f) => detail(f, c.get('apiVersion'))) }));
  const flavorParam = (id: string): Flavor => {
    const flavor = findFlavor(id);
    if (!flavor) throw fault.notFound(`Flavor ${id} could not be found.`);
    return flavor;
  };
  app.get('/:id', (c) => c.json({ flavor: detail(flavorParam(c.req.param('id')), c.get('apiVersion')) }));
  // python-openstackclient's `flavor list` reads every flavor's extra specs.
  app.get('/:id/os-extra_specs', (c) => {
    flavorParam(c.req.param('id'));
    return c.json({ extra_specs: {} });
  });
  return app;
}
