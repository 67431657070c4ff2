// Cinder objects the contract needs, once the services are up: the volume types of the
// simulator (on the fake backend) and the admin project's OS image snapshot with its source volume.
import { IMAGE_SNAPSHOT, IMAGE_SOURCE_VOLUME, VOLUME_TYPES } from './accounts';
import type { AdminApi } from './admin-api';
import { FAKE_BACKEND } from './cinder';
import { GiveUp, type ProcessGroup } from './process-group';

export interface ImageSnapshot {
  id: string;
  name: string;
  volumeId: string;
}

/** Ready = the scheduler has heard from cinder-volume (before that, creates end in "No valid backend"). */
export async function waitForCinder(
  group: ProcessGroup,
  api: AdminApi,
  volumeUrl: string,
  timeoutMs = 90_000,
): Promise<void> {
  const url = `${volumeUrl}/${api.projectId}/scheduler-stats/get_pools`;
  await group.waitFor(
    'the cinder scheduler to know the fake backend (scheduler-stats/get_pools)',
    async () => {
      const body = await api.call<{ pools: { name: string }[] }>('GET', url);
      return body.pools.some((p) => p.name.includes(`@${FAKE_BACKEND}`));
    },
    timeoutMs,
    500,
  );
}

export async function setUpCinder(group: ProcessGroup, api: AdminApi, volumeUrl: string): Promise<ImageSnapshot> {
  const base = `${volumeUrl}/${api.projectId}`;
  await Promise.all(
    VOLUME_TYPES.map((name) =>
      api.call('POST', `${base}/types`, {
        volume_type: {
          name,
          'os-volume-type-access:is_public': true,
          extra_specs: { volume_backend_name: FAKE_BACKEND },
        },
      }),
    ),
  );
  const { volume } = await api.call<{ volume: { id: string } }>('POST', `${base}/volumes`, {
    volume: { name: IMAGE_SOURCE_VOLUME, size: IMAGE_SNAPSHOT.sizeGb, volume_type: IMAGE_SNAPSHOT.volumeType },
  });
  await waitForStatus(group, api, `${base}/volumes/${volume.id}`, 'volume', IMAGE_SOURCE_VOLUME);
  // As a volume made from a Glance image is: nova boots only from bootable volumes, and cinder copies the
  // flag to every volume made from the snapshot (the pool's spares, the fallback's system disks).
  await api.call('POST', `${base}/volumes/${volume.id}/action`, { 'os-set_bootable': { bootable: true } });
  const { snapshot } = await api.call<{ snapshot: { id: string } }>('POST', `${base}/snapshots`, {
    snapshot: { name: IMAGE_SNAPSHOT.name, volume_id: volume.id, description: `OS image ${IMAGE_SNAPSHOT.name}` },
  });
  await waitForStatus(group, api, `${base}/snapshots/${snapshot.id}`, 'snapshot', IMAGE_SNAPSHOT.name);
  return { id: snapshot.id, name: IMAGE_SNAPSHOT.name, volumeId: volume.id };
}

async function waitForStatus(
  group: ProcessGroup,
  api: AdminApi,
  url: string,
  kind: 'volume' | 'snapshot',
  name: string,
): Promise<void> {
  await group.waitFor(
    `${kind} "${name}" to become available`,
    async () => {
      const status = (await api.call<Record<string, { status: string }>>('GET', url))[kind].status;
      if (status.startsWith('error'))
        throw new GiveUp(`${kind} "${name}" went to ${status} (see cinder-volume.log and cinder-scheduler.log)`);
      return status === 'available';
    },
    60_000,
    200,
  );
}
