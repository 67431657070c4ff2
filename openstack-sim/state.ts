/**
 * The simulated cloud's data: plain records in maps, JSON-serialisable so the whole
 * cloud can be saved to and restored from a state file. Timed transitions
 * (creating -> available, BUILD -> ACTIVE, deleting -> gone) are stored as data
 * (`pending`), not closures, so they resume after a restart.
 */

/** A timed transition: at epoch-ms `at`, the record becomes `to` ("deleted" removes it). */
export interface Pending<To extends string> {
  to: To;
  at: number;
}

export interface VolumeAttachment {
  id: string;
  serverId: string;
  device: string;
  attachedAt: number | null;
  /** cinder's attach_status: reserved while nova builds, attached once the server runs. */
  status: 'reserved' | 'attached';
}

export interface Volume {
  id: string;
  projectId: string;
  userId: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  volumeTypeId: string;
  snapshotId: string | null;
  availabilityZone: string;
  metadata: Record<string, string>;
  bootable: boolean;
  createdAt: number;
  updatedAt: number | null;
  attachments: VolumeAttachment[];
  pending?: Pending<'available' | 'error' | 'deleted'>;
}

export interface Snapshot {
  id: string;
  projectId: string;
  userId: string;
  name: string | null;
  description: string | null;
  volumeId: string;
  volumeTypeId: string;
  size: number;
  status: string;
  /** Volumes created from a snapshot of a bootable volume are bootable. */
  bootable: boolean;
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number | null;
  pending?: Pending<'available' | 'deleted'>;
}

export interface VolumeType {
  id: string;
  name: string;
  description: string | null;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
}

export interface Transfer {
  id: string;
  volumeId: string;
  /** The owner (source) project: only it sees the transfer in list/show. */
  projectId: string;
  name: string | null;
  authKey: string;
  noSnapshots: boolean;
  createdAt: number;
}

export interface ServerNic {
  networkId: string;
  fixedIp: string;
  mac: string;
}

export interface ServerVolume {
  volumeId: string;
  bootIndex: number | null;
  deleteOnTermination: boolean;
}

export interface Server {
  id: string;
  projectId: string;
  userId: string;
  name: string;
  flavorId: string;
  status: 'BUILD' | 'ACTIVE' | 'ERROR';
  taskState: string | null;
  fault?: { code: number; message: string; created: number };
  metadata: Record<string, string>;
  nics: ServerNic[];
  volumes: ServerVolume[];
  createdAt: number;
  updatedAt: number;
  launchedAt: number | null;
  pending?: Pending<'ACTIVE' | 'deleted'>;
}

export interface Token {
  id: string;
  userId: string;
  projectId: string | null;
  methods: string[];
  auditId: string;
  issuedAt: number;
  expiresAt: number;
}

export interface PersistedState {
  format: 1;
  volumes: Volume[];
  snapshots: Snapshot[];
  volumeTypes: VolumeType[];
  transfers: Transfer[];
  servers: Server[];
  tokens: Token[];
}

function byId<T extends { id: string }>(items: T[] = []): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}

export class SimState {
  readonly volumes: Map<string, Volume>;
  readonly snapshots: Map<string, Snapshot>;
  readonly volumeTypes: Map<string, VolumeType>;
  readonly transfers: Map<string, Transfer>;
  readonly servers: Map<string, Server>;
  readonly tokens: Map<string, Token>;

  constructor(saved?: PersistedState) {
    this.volumes = byId(saved?.volumes);
    this.snapshots = byId(saved?.snapshots);
    this.volumeTypes = byId(saved?.volumeTypes);
    this.transfers = byId(saved?.transfers);
    this.servers = byId(saved?.servers);
    this.tokens = byId(saved?.tokens);
  }

  toJSON(): PersistedState {
    return {
      format: 1,
      volumes: [...this.volumes.values()],
      snapshots: [...this.snapshots.values()],
      volumeTypes: [...this.volumeTypes.values()],
      transfers: [...this.transfers.values()],
      servers: [...this.servers.values()],
      tokens: [...this.tokens.values()],
    };
  }

  /** Volumes currently in `creating`: the load the overload model reacts to. */
  creatingCount(): number {
    let n = 0;
    for (const v of this.volumes.values()) if (v.status === 'creating') n++;
    return n;
  }
}
