import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { cinderTime, stableUuid } from '../ids';
import type { ApiVersion } from '../microversion';
import type { Volume } from '../state';
import { volumeHost } from './backends';
import { cinderLinks, volumeTypeName } from './lookup';
import { optionalTime, renderFields, type ViewField } from '../view-fields';

/**
 * The backend a volume is on, null while it is `creating`: cinder records the host once the scheduler has
 * picked one, which the simulator folds into the create.
 */
function placedOn(cloud: SimulatedCloud, volume: Volume): string | null {
  return volume.status === 'creating' ? null : volumeHost(cloud, volume);
}

/** Only attachments that completed are listed, as cinder does (reserved ones are not). */
function attachmentsView(volume: Volume) {
  return volume.attachments
    .filter((a) => a.status === 'attached')
    .map((a) => ({
      server_id: a.serverId,
      attachment_id: a.id,
      attached_at: optionalTime(a.attachedAt, cinderTime),
      host_name: null,
      volume_id: volume.id,
      device: a.device,
      id: volume.id,
    }));
}

/** The volume "detail" view of cinder v3, field by field, with the microversion that added each. */
const DETAIL_FIELDS: ViewField<Volume>[] = [
  { key: 'id', value: (v) => v.id },
  { key: 'name', value: (v) => v.name },
  { key: 'description', value: (v) => v.description },
  { key: 'size', value: (v) => v.size },
  { key: 'status', value: (v) => v.status },
  { key: 'availability_zone', value: (v) => v.availabilityZone },
  { key: 'bootable', value: (v) => String(v.bootable) },
  { key: 'encrypted', value: () => false },
  { key: 'multiattach', value: () => false },
  { key: 'created_at', value: (v) => cinderTime(v.createdAt) },
  { key: 'updated_at', value: (v) => optionalTime(v.updatedAt, cinderTime) },
  { key: 'volume_type', value: (v, cloud) => volumeTypeName(cloud, v.volumeTypeId) },
  { key: 'snapshot_id', value: (v) => v.snapshotId },
  { key: 'source_volid', value: () => null },
  { key: 'consistencygroup_id', value: () => null },
  { key: 'replication_status', value: () => null },
  { key: 'migration_status', adminOnly: true, value: () => null },
  { key: 'metadata', value: (v) => v.metadata },
  { key: 'user_id', value: (v) => v.userId },
  { key: 'attachments', value: attachmentsView },
  { key: 'os-vol-tenant-attr:tenant_id', readsOnly: true, value: (v) => v.projectId },
  { key: 'os-vol-host-attr:host', adminOnly: true, readsOnly: true, value: (v, cloud) => placedOn(cloud, v) },
  { key: 'os-vol-mig-status-attr:migstat', adminOnly: true, readsOnly: true, value: () => null },
  { key: 'os-vol-mig-status-attr:name_id', adminOnly: true, readsOnly: true, value: () => null },
  { key: 'group_id', since: '3.13', value: () => null },
  { key: 'provider_id', since: '3.21', adminOnly: true, value: () => null },
  // The uuid of the cinder-volume service that holds the volume.
  {
    key: 'service_uuid',
    since: '3.48',
    value: (v, cloud) => {
      const host = placedOn(cloud, v);
      return host && stableUuid('cinder-volume-service', host);
    },
  },
  // The database's default until a backend reports its own (the fake driver's, like most, shares no targets).
  { key: 'shared_targets', since: '3.48', value: (v) => v.status === 'creating' },
  { key: 'cluster_name', since: '3.61', adminOnly: true, value: () => null },
  { key: 'volume_type_id', since: '3.63', value: (v) => v.volumeTypeId },
  { key: 'consumes_quota', since: '3.65', value: () => true },
];

/** `answer`: "write" for the answers to create and update, which lack the read-only extension fields. */
export function volumeDetail(
  cloud: SimulatedCloud,
  volume: Volume,
  auth: AuthContext,
  version: ApiVersion,
  answer: 'read' | 'write' = 'read',
) {
  const links = cinderLinks(cloud, auth.projectId, 'volumes', volume.id);
  return renderFields(DETAIL_FIELDS, volume, cloud, auth, version, { links }, answer);
}

export function volumeSummary(cloud: SimulatedCloud, volume: Volume, auth: AuthContext) {
  return { id: volume.id, links: cinderLinks(cloud, auth.projectId, 'volumes', volume.id), name: volume.name };
}
