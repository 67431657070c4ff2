// The password-auth options every service's config repeats (keystonemiddleware's
// [keystone_authtoken], and the keystoneauth sections nova and neutron call each other with).
import { randomBytes } from 'node:crypto';
import { DOMAIN, REGION, SERVICE_PROJECT } from './accounts';
import type { ServiceUser } from './identity-setup';

export function serviceUser(name: string): ServiceUser {
  return { name, password: randomBytes(12).toString('hex'), project: SERVICE_PROJECT };
}

/** A keystoneauth password plugin section ([placement], [neutron], [nova], [service_user], …). */
export function passwordAuth(authUrl: string, user: ServiceUser): Record<string, string> {
  return {
    auth_url: authUrl,
    auth_type: 'password',
    username: user.name,
    password: user.password,
    project_name: user.project,
    user_domain_name: DOMAIN,
    project_domain_name: DOMAIN,
    region_name: REGION,
  };
}

/** keystonemiddleware's [keystone_authtoken]: validates the callers' tokens as `user`. */
export function authTokenSection(authUrl: string, user: ServiceUser): Record<string, string> {
  return { www_authenticate_uri: authUrl, ...passwordAuth(authUrl, user) };
}
