// Read-only look at the cloud: the image snapshots and volume types system disks are built from.
import type { CloudClients } from '../../openstack/cloud';

export interface CloudSnapshot {
  id: string;
  name: string;
  status: string;
  sizeGb: number;
}

export interface CloudInventory {
  snapshots: CloudSnapshot[];
  volumeTypes: string[];
}

export function cloudInventoryActivities(cloud: CloudClients) {
  return {
    /** Lists the admin project's snapshots and the volume types, for the catalog and the API. */
    async listCloudInventory(): Promise<CloudInventory> {
      const [snapshots, types] = await Promise.all([
        cloud.admin.cinder.listSnapshots(),
        cloud.admin.cinder.listVolumeTypes(),
      ]);
      return {
        snapshots: snapshots.map((s) => ({ id: s.id, name: s.name ?? '', status: s.status, sizeGb: s.size })),
        volumeTypes: types.map((t) => t.name).sort(),
      };
    },
  };
}
