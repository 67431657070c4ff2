// What the check lists of one contract target share: the cloud, the project's clients for it, raw
// access to Keystone and to each project's Cinder, and where to record JSON shapes. Filled by the
// suite's beforeAll; the checks read it through getters, in the order vitest runs them.
import type { CloudClients } from '../../openstack/cloud';
import { call, type Reply } from '../openstack-sim/helpers';
import type { RawVolumeApi } from './raw';
import type { Target } from './targets';

export interface ContractContext {
  target: string;
  cloud(): Target;
  clients(): CloudClients;
  /** Raw Cinder of the admin project and of the tenant (demo). */
  admin(): RawVolumeApi;
  demo(): RawVolumeApi;
  /** Ids both clouds give differently: the users' and the tenant project's. */
  ids(): { adminUserId: string; demoUserId: string; demoProjectId: string; adminProjectId: string };
  /** Tokens of the admin and the tenant (for raw Keystone calls). */
  tokens(): Promise<{ admin: string; demo: string }>;
  record(what: string, value: unknown): void;
}

export const MALFORMED_KEYSTONE =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. ' +
  'The client is assumed to be in error.';

/** A raw Keystone v3 call (path under …/v3) with a token and optional extra headers. */
export function keystone(
  ctx: ContractContext,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers = {},
): Promise<Reply> {
  return call(method, `${ctx.cloud().authUrl}${path}`, body, {
    ...(token ? { 'X-Auth-Token': token } : {}),
    ...headers,
  });
}

/** Password auth scoped to a trust, as the trustee sends it. */
export function trustAuth(user: string, password: string, trustId: string) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      scope: { 'OS-TRUST:trust': { id: trustId } },
    },
  };
}

/** Keystone's body of a 4xx, for exact comparison. */
export const keystoneError = (code: number, message: string) => ({
  error: {
    code,
    message,
    title: { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[code],
  },
});
