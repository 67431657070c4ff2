import { canSee } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { fault } from '../errors';
import { resourceLinks } from '../links';
import { BUILTIN_DEFAULT_TYPE } from '../seed';
import type { Snapshot, Volume, VolumeType } from '../state';

/** The record if the caller may see it; otherwise cinder's 404, so other projects' resources stay invisible. */
function visible<T extends { projectId: string }>(
  records: Map<string, T>,
  auth: AuthContext,
  id: string,
  notFound: string,
): T {
  const record = records.get(id);
  if (!record || !canSee(auth, record.projectId)) throw fault.notFound(notFound);
  return record;
}

export function visibleVolume(cloud: SimulatedCloud, auth: AuthContext, id: string): Volume {
  return visible(cloud.state.volumes, auth, id, `Volume ${id} could not be found.`);
}

export function visibleSnapshot(cloud: SimulatedCloud, auth: AuthContext, id: string): Snapshot {
  return visible(cloud.state.snapshots, auth, id, `Snapshot ${id} could not be found.`);
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** cinder's get_by_name_or_id: a uuid-looking reference is an id, anything else a name. */
export function findVolumeType(cloud: SimulatedCloud, ref: string): VolumeType {
  const types = [...cloud.state.volumeTypes.values()];
  if (UUID_LIKE.test(ref)) {
    const byId = types.find((t) => t.id === ref);
    if (!byId) throw fault.notFound(`Volume type ${ref} could not be found.`);
    return byId;
  }
  const byName = types.find((t) => t.name === ref);
  if (!byName) throw fault.notFound(`Volume type with name ${ref} could not be found.`);
  return byName;
}

/**
 * The type of volumes created without one: the first configured type (cinder's default_volume_type), or
 * cinder's built-in __DEFAULT__ when there is no other.
 */
export function defaultVolumeType(cloud: SimulatedCloud): VolumeType {
  const types = [...cloud.state.volumeTypes.values()];
  const type = types.find((t) => t.name !== BUILTIN_DEFAULT_TYPE) ?? types[0];
  if (!type) throw fault.notFound(`Volume type with name ${BUILTIN_DEFAULT_TYPE} could not be found.`);
  return type;
}

export function volumeTypeName(cloud: SimulatedCloud, id: string): string | null {
  return cloud.state.volumeTypes.get(id)?.name ?? null;
}

export function cinderLinks(cloud: SimulatedCloud, projectId: string, collection: string, id: string) {
  return resourceLinks(
    `${cloud.baseUrl}/volume/v3/${projectId}`,
    `${cloud.baseUrl}/volume/${projectId}`,
    collection,
    id,
  );
}

export function cinderCollectionUrl(cloud: SimulatedCloud, projectId: string, collection: string): string {
  return `${cloud.baseUrl}/volume/v3/${projectId}/${collection}`;
}
