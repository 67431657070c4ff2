// Raw admin REST calls for setting the cloud up (the project's clients cover only what blockflow
// itself needs). One token, the project's httpJson for timeouts and typed errors.
import { httpJson } from '../openstack/http';
import { ADMIN, DOMAIN } from './accounts';

export interface AdminApi {
  projectId: string;
  call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
}

const TIMEOUT_MS = 30_000;

export async function adminApi(authUrl: string): Promise<AdminApi> {
  const res = await httpJson<{ token: { project: { id: string } } }>({
    service: 'identity',
    method: 'POST',
    url: `${authUrl}/auth/tokens?nocatalog`,
    timeoutMs: TIMEOUT_MS,
    body: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: ADMIN.name, domain: { name: DOMAIN }, password: ADMIN.password } },
        },
        scope: { project: { name: ADMIN.project, domain: { name: DOMAIN } } },
      },
    },
  });
  const token = res.headers.get('x-subject-token');
  if (!token) throw new Error(`Keystone at ${authUrl} issued no X-Subject-Token`);
  return {
    projectId: res.body.token.project.id,
    async call<T>(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      const service = url.startsWith(authUrl) ? 'identity' : 'volumev3';
      return (
        await httpJson<T>({
          service,
          method,
          url,
          body,
          timeoutMs: TIMEOUT_MS,
          headers: { ...headers, 'X-Auth-Token': token },
        })
      ).body;
    },
  };
}
