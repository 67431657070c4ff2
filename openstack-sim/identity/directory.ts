import { stableHexId } from '../ids';
import type { SimUser } from '../options';

/**
 * Keystone's identity data (domain, projects, users, role assignments), built from
 * the simulator options. Ids derive from names, so they are stable across restarts.
 */
export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export interface Role {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  password: string;
  projectId: string;
  roles: Role[];
}

/** keystone's default implied roles: admin -> member -> reader. */
const IMPLIED_ROLES: Record<string, string[]> = {
  admin: ['admin', 'member', 'reader'],
  member: ['member', 'reader'],
  reader: ['reader'],
};

const role = (name: string): Role => ({ id: stableHexId('role', name), name });

/** The roles keystone-manage bootstrap creates (immutable), the only ones the simulator knows. */
export const ROLES: Role[] = Object.keys(IMPLIED_ROLES).map(role);

/** The roles `ids` grant with keystone's implied roles added (member brings reader), in a stable order. */
export function withImpliedRoles(ids: string[]): Role[] {
  const names = new Set(ROLES.filter((r) => ids.includes(r.id)).flatMap((r) => IMPLIED_ROLES[r.name] ?? [r.name]));
  return ROLES.filter((r) => names.has(r.name));
}

export interface NameOrId {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

export class Directory {
  readonly projects: Project[];
  readonly users: User[];

  constructor(users: SimUser[]) {
    const projectNames = [...new Set(users.map((u) => u.project))];
    this.projects = projectNames.map((name) => ({
      id: stableHexId('project', name),
      name,
      domainId: DEFAULT_DOMAIN.id,
    }));
    this.users = users.map((u) => ({
      id: stableHexId('user', u.name),
      name: u.name,
      domainId: DEFAULT_DOMAIN.id,
      password: u.password,
      projectId: stableHexId('project', u.project),
      roles: (IMPLIED_ROLES[u.role ?? 'member'] ?? ['member']).map(role),
    }));
  }

  findUser(ref: NameOrId): User | undefined {
    return this.find(this.users, ref);
  }

  findProject(ref: NameOrId): Project | undefined {
    return this.find(this.projects, ref);
  }

  userById(id: string): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  projectById(id: string): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  roleByName(name: string): Role | undefined {
    return ROLES.find((r) => r.name === name);
  }

  /** The known roles among `ids`, in their order. */
  rolesById(ids: string[]): Role[] {
    return ids.flatMap((id) => ROLES.filter((r) => r.id === id));
  }

  /** Roles of the user on the project; empty when the user has no assignment there. */
  rolesOn(user: User, projectId: string): Role[] {
    return user.projectId === projectId ? user.roles : [];
  }

  private find<T extends { id: string; name: string; domainId: string }>(items: T[], ref: NameOrId): T | undefined {
    if (ref.id) return items.find((item) => item.id === ref.id);
    const domain = ref.domain;
    const inDomain = (item: T) =>
      domain !== undefined &&
      (domain.id === item.domainId || (domain.id === undefined && domain.name === DEFAULT_DOMAIN.name));
    return items.find((item) => item.name === ref.name && inDomain(item));
  }
}
