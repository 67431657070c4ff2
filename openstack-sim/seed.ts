import { fault } from './errors';
import type { Directory } from './identity/directory';
import { stableHexId, stableUuid } from './ids';
import { defaultPools } from './neutron/ipam';
import type { ResolvedOptions } from './options';
import type { SimState, Snapshot, VolumeType } from './state';

export function volumeTypeRecord(name: string, description: string | null = null): VolumeType {
  return {
    id: stableUuid('volume-type', name),
    name,
    description,
    isPublic: true,
    extraSpecs: { volume_backend_name: name },
  };
}

/** The type cinder's database migration creates: no backend named, so any backend takes it. */
export const BUILTIN_DEFAULT_TYPE = '__DEFAULT__';
const builtinDefaultType = (): VolumeType => ({
  ...volumeTypeRecord(BUILTIN_DEFAULT_TYPE, 'Default Volume Type'),
  extraSpecs: {},
});

export interface ImageSnapshotSpec {
  name: string;
  volumeType: string;
  sizeGb: number;
  projectId?: string;
}

/** The project that owns seeded snapshots: the first admin user's, as an operator would. */
export function adminProjectId(directory: Directory): string {
  return directory.adminProjectId();
}

/**
 * An OS image snapshot, as operators keep them to clone boot volumes from. Its source
 * volume is not part of the simulated cloud (it lives outside the projects clients see).
 */
export function imageSnapshotRecord(state: SimState, directory: Directory, spec: ImageSnapshotSpec): Snapshot {
  const type = [...state.volumeTypes.values()].find((t) => t.name === spec.volumeType || t.id === spec.volumeType);
  if (!type) throw fault.notFound(`Volume type with name ${spec.volumeType} could not be found.`);
  const projectId = spec.projectId ?? adminProjectId(directory);
  const owner = directory.assignments.find((a) => a.projectId === projectId);
  const now = Date.now();
  return {
    id: stableUuid('snapshot', `${projectId}/${spec.name}`),
    projectId,
    userId: owner?.userId ?? '',
    name: spec.name,
    description: `OS image ${spec.name}`,
    volumeId: stableUuid('image-volume', spec.name),
    volumeTypeId: type.id,
    size: spec.sizeGb,
    status: 'available',
    bootable: true,
    metadata: {},
    createdAt: now,
    // Updated once, when it became available (cinder sets updated_at then).
    updatedAt: now,
  };
}

/** The configured neutron networks, each with its one subnet, as an operator (devstack) makes them. */
export function seedNetworks(state: SimState, directory: Directory, options: ResolvedOptions): void {
  const now = Date.now();
  for (const spec of options.networks) {
    const projectId = spec.project ? stableHexId('project', spec.project) : adminProjectId(directory);
    const cidr = spec.cidr ?? '10.0.0.0/24';
    const gatewayIp = spec.gatewayIp ?? defaultPools(cidr, null)[0].start;
    state.networks.set(spec.id, {
      id: spec.id,
      name: spec.name,
      projectId,
      shared: spec.shared ?? true,
      description: '',
      createdAt: now,
      updatedAt: now,
    });
    const subnetId = stableUuid('subnet', spec.id);
    state.subnets.set(subnetId, {
      id: subnetId,
      name: `${spec.name}-subnet`,
      networkId: spec.id,
      projectId,
      cidr,
      gatewayIp,
      allocationPools: defaultPools(cidr, gatewayIp),
      createdAt: now,
      updatedAt: now,
    });
  }
}

/** Fills a fresh cloud with the configured volume types, image snapshots and project quota sets. */
export function seedState(state: SimState, directory: Directory, options: ResolvedOptions): void {
  // cinder's database migration makes __DEFAULT__ before an operator makes any type.
  const types = options.seed.volumeTypes.map((name) => volumeTypeRecord(name));
  if (options.seed.builtinDefaultType) types.unshift(builtinDefaultType());
  for (const type of types) state.volumeTypes.set(type.id, type);
  for (const spec of options.seed.snapshots) {
    const snapshot = imageSnapshotRecord(state, directory, spec);
    state.snapshots.set(snapshot.id, snapshot);
  }
  for (const [name, quotas] of Object.entries(options.projectQuotas)) {
    const project = directory.projects.find((p) => p.name === name);
    if (!project) throw new Error(`projectQuotas: no project "${name}" (projects come from the users option)`);
    state.quotas.set(project.id, { ...quotas });
  }
}
