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
  pending?: Pending<'available' | 'in-use' | 'error' | 'deleted'>;
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

/** A keystone OS-TRUST delegation: the trustor lets the trustee act with some of its roles on a project. */
export interface Trust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string | null;
  impersonation: boolean;
  roleIds: string[];
  expiresAt: number | null;
  /** null = unlimited; each redeem takes one; at 0 the trust is spent (404, like an expired one). */
  remainingUses: number | null;
  /** Unknown keys of the create request: keystone keeps and returns them (its "extra"). */
  extra: Record<string, unknown>;
  createdAt: number;
}

export interface Network {
  id: string;
  name: string;
  projectId: string;
  shared: boolean;
  description: string;
  createdAt: number;
  updatedAt: number;
}

export interface Subnet {
  id: string;
  name: string;
  networkId: string;
  projectId: string;
  cidr: string;
  gatewayIp: string | null;
  allocationPools: { start: string; end: string }[];
  createdAt: number;
  updatedAt: number;
}

export interface Port {
  id: string;
  name: string;
  networkId: string;
  projectId: string;
  mac: string;
  fixedIps: { subnetId: string; ipAddress: string }[];
  /** The server using the port ("" when none), and what kind of thing it is ("compute:nova"). */
  deviceId: string;
  deviceOwner: string;
  createdAt: number;
  updatedAt: number;
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
  /**
   * Why the compute node will abort the build (a fixed IP outside the network's subnets, an injected
   * fault), decided at create since nova's API has already answered 202 by then. Its NICs are ports
   * (device_id = server id), created at create.
   */
  buildFailure?: string;
  metadata: Record<string, string>;
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
  /** Set on tokens redeemed from a trust: they die with the trust's deletion. */
  trustId?: string;
  /** Revoked tokens are kept until they expire, so validation can tell them from garbage, as keystone does. */
  revoked?: boolean;
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
  /** Missing in state files from before trusts, networks and quota sets. */
  trusts?: Trust[];
  networks?: Network[];
  subnets?: Subnet[];
  ports?: Port[];
  /** Cinder quota limits set per project (os-quota-sets PUT), by project id. */
  quotas?: Record<string, Record<string, number>>;
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
  readonly trusts: Map<string, Trust>;
  readonly networks: Map<string, Network>;
  readonly subnets: Map<string, Subnet>;
  readonly ports: Map<string, Port>;
  readonly quotas: Map<string, Record<string, number>>;

  constructor(saved?: PersistedState) {
    this.volumes = byId(saved?.volumes);
    this.snapshots = byId(saved?.snapshots);
    this.volumeTypes = byId(saved?.volumeTypes);
    this.transfers = byId(saved?.transfers);
    this.servers = byId(saved?.servers);
    this.tokens = byId(saved?.tokens);
    this.trusts = byId(saved?.trusts);
    this.networks = byId(saved?.networks);
    this.subnets = byId(saved?.subnets);
    this.ports = byId(saved?.ports);
    this.quotas = new Map(Object.entries(saved?.quotas ?? {}));
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
      trusts: [...this.trusts.values()],
      networks: [...this.networks.values()],
      subnets: [...this.subnets.values()],
      ports: [...this.ports.values()],
      quotas: Object.fromEntries(this.quotas),
    };
  }

  /** Volumes currently in `creating`: the load the overload model reacts to. */
  creatingCount(): number {
    let n = 0;
    for (const v of this.volumes.values()) if (v.status === 'creating') n++;
    return n;
  }
}
