import type { MiddlewareHandler } from 'hono';
import type { SimulatedCloud } from './simulated-cloud';
import type { AuthContext, SimEnv } from './env';
import { ApiError, UNAUTHORIZED_MESSAGE } from './errors';
import { serviceUrls } from './identity/catalog';
import { liveToken, tokenRoles } from './identity/token-auth';

/**
 * keystonemiddleware's job in front of cinder and nova: a missing, unknown or
 * expired X-Auth-Token gets 401 in keystone's envelope with a WWW-Authenticate
 * header pointing at keystone, which is what makes clients re-authenticate.
 */
export function authenticate(cloud: SimulatedCloud, tokenId: string | undefined): AuthContext {
  const token = liveToken(cloud, tokenId);
  const user = token && cloud.directory.userById(token.userId);
  if (!token || !user || !token.projectId) {
    throw new ApiError(401, UNAUTHORIZED_MESSAGE, 'keystone', {
      'WWW-Authenticate': `Keystone uri="${serviceUrls(cloud.baseUrl).identity}"`,
    });
  }
  const roles = tokenRoles(cloud, token).map((r) => r.name);
  return { token, user, projectId: token.projectId, roles, isAdmin: roles.includes('admin') };
}

export function requireToken(cloud: SimulatedCloud): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    c.set('auth', authenticate(cloud, c.req.header('X-Auth-Token')));
    await next();
  };
}

/** Admin sees every project's resources by id, like cinder/nova's admin context. */
export function canSee(auth: AuthContext, projectId: string): boolean {
  return auth.isAdmin || auth.projectId === projectId;
}
