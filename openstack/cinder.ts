// Cinder block storage v3: the calls blockflow makes, typed. The endpoint (…/v3/{project_id})
// comes from the Keystone catalog, so the same code talks to the simulator or a real cloud.
import type { KeystoneSession } from './keystone';

/** Transfers blockflow makes carry this prefix (pool/transfers reaps the ones left pending). */
export const TRANSFER_PREFIX = 'blockflow-';
/** A build's transfer is named after the build, so a retry or the reaper can find it. */
export const transferName = (buildId: string) => `${TRANSFER_PREFIX}${buildId}`;

export interface Volume {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_type: string | null;
  snapshot_id: string | null;
  attachments: { server_id?: string; attachment_id?: string }[];
  metadata: Record<string, string>;
  created_at: string;
  'os-vol-tenant-attr:tenant_id'?: string;
}

export interface Snapshot {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_id: string;
  created_at: string;
  metadata?: Record<string, string>;
}

export interface VolumeType {
  id: string;
  name: string;
}

export interface Transfer {
  id: string;
  name: string | null;
  volume_id: string;
  created_at?: string;
  /** Only in the answer to create. */
  auth_key?: string;
}

export interface CreateVolumeInput {
  name: string;
  size: number;
  volumeType?: string;
  snapshotId?: string;
  description?: string;
  metadata?: Record<string, string>;
}

export interface VolumeFilters {
  name?: string;
  status?: string;
  allTenants?: boolean;
  /** Only volumes carrying every one of these metadata pairs (cinder's `metadata` filter). */
  metadata?: Record<string, string>;
}

const VOLUME = 'volumev3';

export class CinderClient {
  constructor(private readonly session: KeystoneSession) {}

  /** Every matching volume: follows Cinder's pages (at most osapi_max_limit, 1,000 by default, each). */
  async listVolumes(filters: VolumeFilters = {}): Promise<Volume[]> {
    const query = new URLSearchParams();
    if (filters.name !== undefined) query.set('name', filters.name);
    if (filters.status !== undefined) query.set('status', filters.status);
    if (filters.allTenants) query.set('all_tenants', '1');
    if (filters.metadata) query.set('metadata', JSON.stringify(filters.metadata));
    const volumes: Volume[] = [];
    for (;;) {
      const qs = query.size ? `?${query}` : '';
      const body = await this.session.request<{ volumes: Volume[]; volumes_links?: { rel: string }[] }>(VOLUME, {
        method: 'GET',
        path: `/volumes/detail${qs}`,
      });
      volumes.push(...body.volumes);
      // A full page links onward (even when the next one turns out empty); the marker is its last id.
      const last = body.volumes.at(-1);
      if (!last || !body.volumes_links?.some((l) => l.rel === 'next')) return volumes;
      query.set('marker', last.id);
    }
  }

  async getVolume(id: string): Promise<Volume> {
    return (
      await this.session.request<{ volume: Volume }>(VOLUME, {
        method: 'GET',
        path: `/volumes/${encodeURIComponent(id)}`,
      })
    ).volume;
  }

  async createVolume(input: CreateVolumeInput): Promise<Volume> {
    const volume = {
      name: input.name,
      size: input.size,
      description: input.description,
      volume_type: input.volumeType,
      snapshot_id: input.snapshotId,
      metadata: input.metadata ?? {},
    };
    return (
      await this.session.request<{ volume: Volume }>(VOLUME, { method: 'POST', path: '/volumes', body: { volume } })
    ).volume;
  }

  async renameVolume(id: string, name: string): Promise<Volume> {
    return (
      await this.session.request<{ volume: Volume }>(VOLUME, {
        method: 'PUT',
        path: `/volumes/${encodeURIComponent(id)}`,
        body: { volume: { name } },
      })
    ).volume;
  }

  async deleteVolume(id: string): Promise<void> {
    await this.session.request(VOLUME, { method: 'DELETE', path: `/volumes/${encodeURIComponent(id)}` });
  }

  async listSnapshots(): Promise<Snapshot[]> {
    return (await this.session.request<{ snapshots: Snapshot[] }>(VOLUME, { method: 'GET', path: '/snapshots/detail' }))
      .snapshots;
  }

  async listVolumeTypes(): Promise<VolumeType[]> {
    return (await this.session.request<{ volume_types: VolumeType[] }>(VOLUME, { method: 'GET', path: '/types' }))
      .volume_types;
  }

  /** Offers a volume for transfer; the answer carries the one-time auth key. */
  async createTransfer(volumeId: string, name: string): Promise<Transfer & { auth_key: string }> {
    const body = await this.session.request<{ transfer: Transfer & { auth_key: string } }>(VOLUME, {
      method: 'POST',
      path: '/os-volume-transfer',
      body: { transfer: { volume_id: volumeId, name } },
    });
    return body.transfer;
  }

  async listTransfers(): Promise<Transfer[]> {
    return (
      await this.session.request<{ transfers: Transfer[] }>(VOLUME, {
        method: 'GET',
        path: '/os-volume-transfer/detail',
      })
    ).transfers;
  }

  /** Accepts a transfer into this session's project (call it with the receiving tenant's session). */
  async acceptTransfer(transferId: string, authKey: string): Promise<Transfer> {
    const body = await this.session.request<{ transfer: Transfer }>(VOLUME, {
      method: 'POST',
      path: `/os-volume-transfer/${encodeURIComponent(transferId)}/accept`,
      body: { accept: { auth_key: authKey } },
    });
    return body.transfer;
  }

  async deleteTransfer(transferId: string): Promise<void> {
    await this.session.request(VOLUME, {
      method: 'DELETE',
      path: `/os-volume-transfer/${encodeURIComponent(transferId)}`,
    });
  }
}
