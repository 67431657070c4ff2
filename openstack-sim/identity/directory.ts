import { newHexId, stableHexId } from '../ids';
import { ApiError } from '../errors';
import type { SimUser } from '../options';
import { AppCredentialStore } from './app-credential-store';
import { type HashedSecret, hashSecret, secretMatches } from './secrets';

/**
 * Keystone's identity data: the domain, projects, users and their role assignments. The simulator's
 * options seed it (ids derive from names, so they are stable across restarts); an admin adds more
 * through the API (`openstack project create`, `user create`, `role add`), with random ids as keystone gives.
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
  description: string;
  enabled: boolean;
  tags: string[];
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  /** Salted SHA-256 of the password (none: the user cannot authenticate with one), never the password. */
  password: HashedSecret | null;
  defaultProjectId: string | null;
  enabled: boolean;
  /** Keys of the create request keystone does not know (email, …): kept and returned, as keystone's "extra". */
  extra: Record<string, unknown>;
}

/** A role given to a user on a project (keystone's grant). */
export interface Assignment {
  userId: string;
  projectId: string;
  roleId: string;
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

export function passwordMatches(user: User, password: string): boolean {
  return secretMatches(user.password, password);
}

/** keystone's 409 when its database refuses a row: "Conflict occurred attempting to store <what> - <detail>". */
export const storeConflict = (what: string, detail: string) =>
  new ApiError(409, `Conflict occurred attempting to store ${what} - ${detail}`, 'keystone');

export interface NameOrId {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

export interface NewProject {
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
  tags: string[];
}

export interface NewUser {
  name: string;
  domainId: string;
  password: string | null;
  defaultProjectId: string | null;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export class Directory {
  readonly projects: Project[] = [];
  readonly users: User[] = [];
  readonly assignments: Assignment[] = [];
  readonly appCredentials = new AppCredentialStore();

  constructor(users: SimUser[]) {
    for (const name of new Set(users.map((u) => u.project))) {
      this.projects.push({
        id: stableHexId('project', name),
        name,
        domainId: DEFAULT_DOMAIN.id,
        description: '',
        enabled: true,
        tags: [],
      });
    }
    for (const u of users) {
      const projectId = stableHexId('project', u.project);
      const user = this.addUser(
        {
          name: u.name,
          domainId: DEFAULT_DOMAIN.id,
          password: u.password,
          defaultProjectId: projectId,
          enabled: true,
          extra: {},
        },
        stableHexId('user', u.name),
      );
      this.grant(user.id, projectId, role(u.role ?? 'member').id);
    }
  }

  /** The project with this name in the domain, if any (keystone's names are unique per domain). */
  projectNamed(name: string, domainId: string): Project | undefined {
    return this.projects.find((p) => p.name === name && p.domainId === domainId);
  }

  userNamed(name: string, domainId: string): User | undefined {
    return this.users.find((u) => u.name === name && u.domainId === domainId);
  }

  addProject(spec: NewProject): Project {
    const project = { id: newHexId(), ...spec };
    this.projects.push(project);
    return project;
  }

  addUser(spec: NewUser, id = newHexId()): User {
    const { password, ...rest } = spec;
    const user = { id, ...rest, password: password === null ? null : hashSecret(password) };
    this.users.push(user);
    return user;
  }

  /** Gives the role (idempotent, as keystone's PUT is). */
  grant(userId: string, projectId: string, roleId: string): void {
    if (!this.hasGrant(userId, projectId, roleId)) this.assignments.push({ userId, projectId, roleId });
  }

  hasGrant(userId: string, projectId: string, roleId: string): boolean {
    return this.assignments.some((a) => a.userId === userId && a.projectId === projectId && a.roleId === roleId);
  }

  /** Takes the role back; false when it was not given. */
  revoke(userId: string, projectId: string, roleId: string): boolean {
    const at = this.assignments.findIndex(
      (a) => a.userId === userId && a.projectId === projectId && a.roleId === roleId,
    );
    if (at < 0) return false;
    this.assignments.splice(at, 1);
    return true;
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

  roleById(id: string): Role | undefined {
    return ROLES.find((r) => r.id === id);
  }

  /** The known roles among `ids`, in their order. */
  rolesById(ids: string[]): Role[] {
    return ids.flatMap((id) => ROLES.filter((r) => r.id === id));
  }

  /** The roles given to the user on the project, without those they imply. */
  grantedOn(user: User, projectId: string): Role[] {
    const ids = this.assignments.filter((a) => a.userId === user.id && a.projectId === projectId).map((a) => a.roleId);
    return ROLES.filter((r) => ids.includes(r.id));
  }

  /** Roles of the user on the project, implied ones included; empty when the user has no assignment there. */
  rolesOn(user: User, projectId: string): Role[] {
    return withImpliedRoles(this.grantedOn(user, projectId).map((r) => r.id));
  }

  /** The project the first admin was given a role on (what owns seeded snapshots and networks). */
  adminProjectId(): string {
    const adminRole = role('admin').id;
    return (this.assignments.find((a) => a.roleId === adminRole) ?? this.assignments[0]).projectId;
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
