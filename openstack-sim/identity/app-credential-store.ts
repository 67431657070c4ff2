import type { HashedSecret } from './secrets';

/** A user's application credential: a secret that logs in to one project with some of the user's roles there. */
export interface AppCredential {
  id: string;
  name: string;
  userId: string;
  projectId: string;
  roleIds: string[];
  secret: HashedSecret;
  unrestricted: boolean;
  description: string | null;
}

/**
 * Application credentials, kept in memory (not in the state file). Tokens they issue are delegated: keystone
 * refuses them every trust call ("Delegated tokens cannot manage trusts."), which is what blockflow must
 * turn into a clear 403 (issue 20, finding 6).
 */
export class AppCredentialStore {
  private readonly byId = new Map<string, AppCredential>();
  /** Which credential each token was issued from (Token has no field for it). */
  private readonly byToken = new Map<string, AppCredential>();

  add(cred: AppCredential): void {
    this.byId.set(cred.id, cred);
  }

  find(ref: { id?: string; name?: string; userId?: string }): AppCredential | undefined {
    if (ref.id) return this.byId.get(ref.id);
    return [...this.byId.values()].find((c) => c.name === ref.name && c.userId === ref.userId);
  }

  named(userId: string, name: string): AppCredential | undefined {
    return this.find({ name, userId });
  }

  issued(tokenId: string, cred: AppCredential): void {
    this.byToken.set(tokenId, cred);
  }

  ofToken(tokenId: string): AppCredential | undefined {
    return this.byToken.get(tokenId);
  }
}
