import type { OverloadOptions } from './overload';

export interface SimUser {
  name: string;
  password: string;
  /** Name of the project the user has a role on (created if needed). */
  project: string;
  /** "admin" implies "member" implies "reader", as in keystone's default implied roles. */
  role?: 'admin' | 'member' | 'reader';
}

export interface SimNetwork {
  id: string;
  name: string;
  /** The network's one IPv4 subnet (default 10.0.0.0/24, gateway .1, pool .2–.254, as devstack's private). */
  cidr?: string;
  gatewayIp?: string;
  /** Owner project's name (default: the admin user's). */
  project?: string;
  /** Default true: every project may boot on it. */
  shared?: boolean;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default: admin/admin-secret in project "admin" (admin), demo/demo-secret in project "demo" (member). */
  users?: SimUser[];
  /** Default: types ["sas","ssd"] and a few OS image snapshots owned by admin. */
  seed?: {
    volumeTypes?: string[];
    snapshots?: { name: string; volumeType: string; sizeGb: number }[];
    /**
     * Also cinder's built-in type __DEFAULT__ (every real cinder since Train has it; volumes still default to the
     * first of volumeTypes, as with default_volume_type set). Off by default: blockflow's inventory lists the
     * cloud's types, and its tests expect only the configured ones.
     */
    builtinDefaultType?: boolean;
  };
  /** Volume create from a snapshot: creating -> available after this (default 3000). */
  createDelayMs?: number;
  /** Plain (empty) volume create and snapshot create (default 500). */
  plainCreateDelayMs?: number;
  /** Volume/snapshot delete: deleting -> gone after this (default 300). */
  deleteDelayMs?: number;
  /** Server BUILD -> ACTIVE (default 1500). */
  serverBootDelayMs?: number;
  /** Server delete -> gone, volumes detached/deleted (default 300). */
  serverDeleteDelayMs?: number;
  /** See overload.ts; off when undefined. */
  overload?: OverloadOptions;
  /**
   * Cinder's default quota set (cinder.conf's quota_volumes, quota_gigabytes, …, and per-type keys such as
   * volumes_ssd), what every project gets unless its own set says otherwise; over quota -> 413. A key left
   * out is unlimited (-1), so the default is unlimited everywhere, not cinder's stock CINDER_DEFAULT_QUOTAS.
   */
  quota?: Record<string, number>;
  /** Quota sets of named projects in a fresh cloud, as an operator raises or lowers them (os-quota-sets PUT). */
  projectQuotas?: Record<string, Record<string, number>>;
  /** Neutron networks seeded into a fresh cloud. Default: "private" (id DEFAULT_NETWORK_ID, 10.0.0.0/24, shared). */
  networks?: SimNetwork[];
  /** Default 3600; small values let clients test re-auth on 401. */
  tokenTtlSeconds?: number;
  /** Load at start, save (debounced, atomic rename) after changes. */
  stateFile?: string;
  /** One line per request: method path status ms (never passwords or tokens). */
  log?: (line: string) => void;
}

export const DEFAULT_NETWORK_ID = '5f1a6e8c-1b2d-4c3e-9f40-7a8b9c0d1e2f';

export const DEFAULT_USERS: SimUser[] = [
  { name: 'admin', password: 'admin-secret', project: 'admin', role: 'admin' },
  { name: 'demo', password: 'demo-secret', project: 'demo', role: 'member' },
];

/** cinder.conf's stock quota defaults (Zed): what a real cloud gives a project nobody has raised. */
export const CINDER_DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  volumes: 10,
  snapshots: 10,
  gigabytes: 1000,
  backups: 10,
  backup_gigabytes: 1000,
  groups: 10,
  per_volume_gigabytes: -1,
};

export const DEFAULT_VOLUME_TYPES = ['sas', 'ssd'];

export const DEFAULT_SNAPSHOTS = [
  { name: 'ubuntu-24.04', volumeType: 'ssd', sizeGb: 10 },
  { name: 'debian-12', volumeType: 'sas', sizeGb: 8 },
  { name: 'rocky-9', volumeType: 'ssd', sizeGb: 12 },
];

export type ResolvedOptions = Required<
  Pick<
    SimulatorOptions,
    | 'host'
    | 'port'
    | 'users'
    | 'createDelayMs'
    | 'plainCreateDelayMs'
    | 'deleteDelayMs'
    | 'serverBootDelayMs'
    | 'serverDeleteDelayMs'
    | 'networks'
    | 'tokenTtlSeconds'
    | 'log'
  >
> &
  Pick<SimulatorOptions, 'overload' | 'stateFile'> & {
    quota: Record<string, number>;
    projectQuotas: Record<string, Record<string, number>>;
    seed: {
      volumeTypes: string[];
      snapshots: { name: string; volumeType: string; sizeGb: number }[];
      builtinDefaultType: boolean;
    };
  };

export function resolveOptions(opts: SimulatorOptions = {}): ResolvedOptions {
  return {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    users: opts.users ?? DEFAULT_USERS,
    seed: {
      volumeTypes: opts.seed?.volumeTypes ?? DEFAULT_VOLUME_TYPES,
      snapshots: opts.seed?.snapshots ?? DEFAULT_SNAPSHOTS,
      builtinDefaultType: opts.seed?.builtinDefaultType ?? false,
    },
    createDelayMs: opts.createDelayMs ?? 3000,
    plainCreateDelayMs: opts.plainCreateDelayMs ?? 500,
    deleteDelayMs: opts.deleteDelayMs ?? 300,
    serverBootDelayMs: opts.serverBootDelayMs ?? 1500,
    serverDeleteDelayMs: opts.serverDeleteDelayMs ?? 300,
    overload: opts.overload,
    quota: opts.quota ?? {},
    projectQuotas: opts.projectQuotas ?? {},
    networks: opts.networks ?? [{ id: DEFAULT_NETWORK_ID, name: 'private' }],
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    stateFile: opts.stateFile,
    log: opts.log ?? (() => {}),
  };
}
