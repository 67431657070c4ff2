// Validated Keystone tokens, remembered for a short while (keystonemiddleware's token cache, as
// every OpenStack API service has it): a tenant's burst of requests costs Keystone one validation,
// not one each. Kept by the token's SHA-256, never the token itself; an entry lives at most
// `ttlMs` and never past the token's own expiry. What a stale entry could allow is small: every
// action of a build goes through a trust that Keystone creates only for a valid token.
import { createHash } from 'node:crypto';
import type { TokenIdentity } from '../openstack/trusts';

export class ValidatedTokens {
  private readonly entries = new Map<string, { identity: TokenIdentity; until: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): TokenIdentity | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.identity;
    this.entries.delete(key);
    return undefined;
  }

  set(token: string, identity: TokenIdentity): void {
    const until = Math.min(this.now() + this.ttlMs, Date.parse(identity.expiresAt) || 0);
    if (until <= this.now()) return;
    // Oldest first out (a Map iterates in insertion order).
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest(token), { identity, until });
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
