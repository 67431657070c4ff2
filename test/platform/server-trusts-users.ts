// Keystone users with each role on the demo project (issue 20: who may do what), and their tokens,
// for the tests of the build's trust and of the server routes.
import { httpJson } from '../../openstack/http';
import { KeystoneSession } from '../../openstack/keystone';
import { findUser } from '../../openstack/trusts';
import type { Platform } from './harness';
import { SERVER_USERS } from './server-fixture';

export const ROLE_USERS = [
  ...SERVER_USERS,
  { name: 'demo-admin', password: 'demo-admin-secret', project: 'demo', role: 'admin' as const },
  { name: 'demo-reader', password: 'demo-reader-secret', project: 'demo', role: 'reader' as const },
];
export type RoleUser = (typeof ROLE_USERS)[number]['name'];

const session = (p: Platform, name: RoleUser, trustId?: string) => {
  const user = ROLE_USERS.find((u) => u.name === name)!;
  return new KeystoneSession({
    authUrl: p.sim.authUrl,
    username: user.name,
    password: user.password,
    projectName: user.project,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    trustId,
  });
};

/** A project-scoped token of `name` on its project. */
export const userToken = async (p: Platform, name: RoleUser) => (await session(p, name).authenticate()).token;

/** A token `trustee` redeemed from `trustId` (a trust-scoped token: it cannot delegate further). */
export const trustToken = async (p: Platform, trustee: RoleUser, trustId: string) =>
  (await session(p, trustee, trustId).authenticate()).token;

/** A token from an application credential `name` makes for itself (Keystone lets it delegate nothing). */
export async function appCredentialToken(p: Platform, name: RoleUser): Promise<string> {
  const identity = (body: unknown, path: string, headers?: Record<string, string>) =>
    httpJson<{ application_credential: { id: string; secret: string } }>({
      service: 'identity',
      method: 'POST',
      url: `${p.sim.authUrl}${path}`,
      timeoutMs: 10_000,
      headers,
      body,
    });
  const token = await userToken(p, name);
  const credentials = `/users/${await userId(p, name)}/application_credentials`;
  const made = await identity({ application_credential: { name: `blockflow-test-${name}` } }, credentials, {
    'X-Auth-Token': token,
  });
  const { id, secret } = made.body.application_credential;
  const auth = { identity: { methods: ['application_credential'], application_credential: { id, secret } } };
  return (await identity({ auth }, '/auth/tokens')).headers.get('x-subject-token')!;
}

export const userId = async (p: Platform, name: RoleUser) => (await findUser(p.cloud.admin.session, name))!.id;

/** blockflow's trusts in Keystone made by `trustor` (its user id). */
export async function trustsOf(p: Platform, trustorUserId: string) {
  const query = new URLSearchParams({ trustor_user_id: trustorUserId });
  const { trusts } = await p.cloud.admin.session.identity<{ trusts: { id: string }[] }>({
    method: 'GET',
    path: `/OS-TRUST/trusts?${query}`,
  });
  return trusts.map((t) => t.id);
}
