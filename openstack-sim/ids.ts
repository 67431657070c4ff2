import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const newUuid = (): string => randomUUID();

/** Keystone ids are 32 hex characters without dashes. */
export const newHexId = (): string => randomUUID().replaceAll('-', '');

/** Random base64url text, e.g. for token ids and admin passwords. */
export const randomText = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Ids of things defined by configuration (users, projects, seeded types and snapshots)
 * are derived from their names, so they stay the same across restarts and a state
 * file or a client config that names them stays valid.
 */
export function stableHexId(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);
}

export function stableUuid(kind: string, name: string): string {
  const h = stableHexId(kind, name);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** cinder: "2024-05-01T10:00:00.123000" (microseconds, no zone). */
export const cinderTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000');

/** nova: "2024-05-01T10:00:00Z". */
export const novaTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** keystone: "2024-05-01T10:00:00.123000Z". */
export const keystoneTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');
