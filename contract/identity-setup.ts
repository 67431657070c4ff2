// Keystone objects the contract needs, created over its REST API after bootstrap: the tenant
// project and user (as the simulator has them), and the cinder service user, service and endpoints.
import { TENANT, REGION } from './accounts';
import type { AdminApi } from './admin-api';

export interface ServiceUser {
  name: string;
  password: string;
  project: string;
}

interface Named {
  id: string;
  name: string;
}

export async function setUpIdentity(
  api: AdminApi,
  authUrl: string,
  cinder: { endpointUrl: string; user: ServiceUser },
): Promise<void> {
  const post = async <T>(path: string, body: unknown) => api.call<T>('POST', `${authUrl}${path}`, body);
  const create = async (
    collection: 'projects' | 'users' | 'roles' | 'services',
    body: Record<string, unknown>,
  ): Promise<string> => {
    const key = collection.slice(0, -1);
    return (await post<Record<string, Named>>(`/${collection}`, { [key]: body }))[key].id;
  };
  const grant = (projectId: string, userId: string, roleId: string) =>
    api.call('PUT', `${authUrl}/projects/${projectId}/users/${userId}/roles/${roleId}`);

  const roles = (await api.call<{ roles: Named[] }>('GET', `${authUrl}/roles`)).roles;
  const roleId = (name: string) => {
    const role = roles.find((r) => r.name === name);
    if (!role)
      throw new Error(`Keystone has no role "${name}" after bootstrap (it has ${roles.map((r) => r.name).join(', ')})`);
    return role.id;
  };
  const [tenantProject, serviceProject, serviceRole] = await Promise.all([
    create('projects', { name: TENANT.project, domain_id: 'default' }),
    create('projects', { name: cinder.user.project, domain_id: 'default' }),
    create('roles', { name: 'service' }),
  ]);
  const [tenantUser, cinderUser] = await Promise.all([
    create('users', {
      name: TENANT.name,
      password: TENANT.password,
      domain_id: 'default',
      default_project_id: tenantProject,
    }),
    create('users', {
      name: cinder.user.name,
      password: cinder.user.password,
      domain_id: 'default',
      default_project_id: serviceProject,
    }),
  ]);
  // The cinder user validates tokens for cinder-api (keystonemiddleware): admin + service, as devstack grants.
  await Promise.all([
    grant(tenantProject, tenantUser, roleId(TENANT.role ?? 'member')),
    grant(serviceProject, cinderUser, roleId('admin')),
    grant(serviceProject, cinderUser, serviceRole),
  ]);
  // Both service types, as devstack publishes them: volumev3 (what cinderclient and blockflow
  // look up) and block-storage (what newer SDKs prefer).
  const services = await Promise.all([
    create('services', { type: 'volumev3', name: 'cinderv3' }),
    create('services', { type: 'block-storage', name: 'cinder' }),
  ]);
  await Promise.all(
    services.flatMap((serviceId) =>
      ['public', 'internal', 'admin'].map((iface) =>
        post('/endpoints', {
          endpoint: { service_id: serviceId, interface: iface, region_id: REGION, url: cinder.endpointUrl },
        }),
      ),
    ),
  );
}
