// The API's cache of validated Keystone tokens: a hit within the time to live, never past the
// token's own expiry, the oldest out first when full, and the token itself never kept.
import { describe, expect, it } from 'vitest';
import { ValidatedTokens } from '../../api/token-cache';
import type { TokenIdentity } from '../../openstack/trusts';

const identity = (expiresAt: string): TokenIdentity => ({
  userId: 'u',
  userName: 'demo',
  projectId: 'p',
  projectName: 'demo',
  roles: ['member'],
  expiresAt,
});

function clock(start = Date.parse('2026-11-27T12:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('ValidatedTokens', () => {
  it('remembers a validation for its time to live, then forgets it', () => {
    const t = clock();
    const cache = new ValidatedTokens(60_000, 10, t.now);
    cache.set('tok-1', identity('2026-11-27T13:00:00Z'));
    expect(cache.get('tok-1')?.userId).toBe('u');
    expect(cache.get('tok-2')).toBeUndefined();
    t.advance(59_999);
    expect(cache.get('tok-1')).toBeDefined();
    t.advance(1);
    expect(cache.get('tok-1')).toBeUndefined();
  });

  it("never past the token's own expiry; an expired token is not kept at all", () => {
    const t = clock();
    const cache = new ValidatedTokens(60_000, 10, t.now);
    cache.set('soon', identity('2026-11-27T12:00:10Z'));
    cache.set('gone', identity('2026-11-27T11:59:59Z'));
    expect(cache.get('gone')).toBeUndefined();
    t.advance(10_000);
    expect(cache.get('soon')).toBeUndefined();
  });

  it('drops the oldest entry when full and keeps only a digest of the token', () => {
    const cache = new ValidatedTokens(60_000, 2, clock().now);
    for (const token of ['a-secret', 'b-secret', 'c-secret']) cache.set(token, identity('2026-11-27T13:00:00Z'));
    expect(cache.get('a-secret')).toBeUndefined();
    expect(cache.get('b-secret')).toBeDefined();
    expect(cache.get('c-secret')).toBeDefined();
    expect(JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()])).not.toMatch(
      /secret/,
    );
  });
});
