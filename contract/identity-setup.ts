// Keystone objects the contract needs, created over its REST API after bootstrap: the tenant
// project and user (as the simulator has them), and per OpenStack service its user in project
// `service` (admin + service, as devstack grants them), its catalog entries and their endpoints.
import { TENANT, REGION, SERVICE_PROJECT } from './accounts';
import type { AdminApi } from './admin-api';

export interface ServiceUser {
  name: string;
  password: string;
  project: string;
}

/** One service's account: the user its daemons validate tokens (and call others) with, and its catalog entries. */
export interface ServiceAccount {
  user: ServiceUser;
  catalog: { type: string; name: string; url: string }[];
}

interface Named {
  id: string;
  name: string;
}

export async function setUpIdentity(api: AdminApi, authUrl: string, accounts: ServiceAccount[]): Promise<void> {
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
    create('projects', { name: SERVICE_PROJECT, domain_id: 'default' }),
    create('roles', { name: 'service' }),
  ]);
  const tenantUser = await create('users', {
    name: TENANT.name,
    password: TENANT.password,
    domain_id: 'default',
    default_project_id: tenantProject,
  });
  await grant(tenantProject, tenantUser, roleId(TENANT.role ?? 'member'));
  await Promise.all(accounts.map((account) => setUpService(account)));

  async function setUpService({ user, catalog }: ServiceAccount): Promise<void> {
    const userId = await create('users', {
      name: user.name,
      password: user.password,
      domain_id: 'default',
      default_project_id: serviceProject,
    });
    // The service user validates tokens (keystonemiddleware) and calls the other services: admin + service.
    await Promise.all([grant(serviceProject, userId, roleId('admin')), grant(serviceProject, userId, serviceRole)]);
    for (const entry of catalog) {
      const serviceId = await create('services', { type: entry.type, name: entry.name });
      await Promise.all(
        ['public', 'internal', 'admin'].map((iface) =>
          post('/endpoints', {
            endpoint: { service_id: serviceId, interface: iface, region_id: REGION, url: entry.url },
          }),
        ),
      );
    }
  }
}
