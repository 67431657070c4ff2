import type { User } from './identity/directory';
import type { ApiVersion } from './microversion';
import type { Token } from './state';

/** Who is calling, from a validated project-scoped token (what keystonemiddleware hands a service). */
export interface AuthContext {
  token: Token;
  user: User;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

export type SimEnv = {
  Variables: {
    auth: AuthContext;
    apiVersion: ApiVersion;
  };
};
