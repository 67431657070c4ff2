import { createHash, randomBytes } from 'node:crypto';

/** A salted SHA-256: what the simulator keeps of passwords and application credential secrets. */
export interface HashedSecret {
  salt: string;
  hash: string;
}

export function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): HashedSecret {
  return { salt, hash: createHash('sha256').update(`${salt}:${secret}`).digest('hex') };
}

export function secretMatches(stored: HashedSecret | null, secret: string): boolean {
  return stored !== null && hashSecret(secret, stored.salt).hash === stored.hash;
}
