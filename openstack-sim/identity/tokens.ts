import { randomText } from '../ids';
import type { SimState, Token } from '../state';

/**
 * Token issue/validate/revoke. Tokens are opaque random strings (fernet-like
 * prefix) kept in state, so they survive a restart with a state file like
 * keystone's fernet tokens do.
 */
export class TokenService {
  constructor(
    private readonly state: SimState,
    private readonly ttlSeconds: number,
  ) {}

  issue(userId: string, projectId: string | null, methods: string[], auditId?: string, trustId?: string): Token {
    this.dropExpired();
    const now = Date.now();
    const token: Token = {
      id: `gAAAAAB${randomText(96)}`,
      userId,
      projectId,
      methods,
      auditId: auditId ?? randomText(16),
      issuedAt: now,
      expiresAt: now + this.ttlSeconds * 1000,
      ...(trustId ? { trustId } : {}),
    };
    this.state.tokens.set(token.id, token);
    return token;
  }

  /** The live token with this id, or undefined when unknown, revoked or expired. */
  validate(id: string | undefined): Token | undefined {
    if (!id) return undefined;
    const token = this.state.tokens.get(id);
    if (!token || token.revoked || token.expiresAt <= Date.now()) return undefined;
    return token;
  }

  /** keystone's words for a token that does not validate: one it issued and revoked, or one it cannot read. */
  invalidReason(id: string): string {
    return this.state.tokens.get(id)?.revoked ? 'Failed to validate token' : 'Could not recognize Fernet token';
  }

  revoke(id: string): void {
    const token = this.state.tokens.get(id);
    if (token) token.revoked = true;
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, token] of this.state.tokens) if (token.expiresAt <= now) this.state.tokens.delete(id);
  }
}
