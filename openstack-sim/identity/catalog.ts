import { stableHexId } from '../ids';

export const REGION = 'RegionOne';

/** devstack-style layout: one host, each service under its own path prefix. */
export function serviceUrls(base: string) {
  return {
    identity: `${base}/identity`,
    volume: (projectId: string) => `${base}/volume/v3/${projectId}`,
    compute: `${base}/compute/v2.1`,
    image: `${base}/image`,
    network: `${base}/networking`,
  };
}

interface Service {
  type: string;
  name: string;
  url: string;
}

/**
 * The catalog published in project-scoped tokens: every service on the public,
 * internal and admin interfaces of RegionOne. Cinder is published under both its
 * classic type (volumev3, what cinderclient looks up) and the official
 * block-storage type (what newer SDKs prefer), as devstack does. The image service
 * is an empty stub that python-openstackclient needs to be present.
 */
export function buildCatalog(base: string, projectId: string) {
  const urls = serviceUrls(base);
  const services: Service[] = [
    { type: 'identity', name: 'keystone', url: urls.identity },
    { type: 'volumev3', name: 'cinderv3', url: urls.volume(projectId) },
    { type: 'block-storage', name: 'cinder', url: urls.volume(projectId) },
    { type: 'compute', name: 'nova', url: urls.compute },
    { type: 'network', name: 'neutron', url: urls.network },
    { type: 'image', name: 'glance', url: urls.image },
  ];
  return services.map((service) => ({
    id: stableHexId('service', service.type),
    type: service.type,
    name: service.name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: stableHexId('endpoint', `${service.type}/${iface}`),
      interface: iface,
      region: REGION,
      region_id: REGION,
      url: service.url,
    })),
  }));
}
