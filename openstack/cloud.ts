// The clients for one OpenStack cloud: the admin project's session (pool creates, transfers
// out), on demand sessions of tenant users (transfer accept, server create), and sessions that
// act through a tenant's Keystone trust as the admin (service) user, the trustee.
import { CinderClient } from './cinder';
import { KeystoneSession, type Credentials } from './keystone';
import { NeutronClient } from './neutron';
import { NovaClient } from './nova';

export interface ProjectClients {
  session: KeystoneSession;
  cinder: CinderClient;
  nova: NovaClient;
  neutron: NeutronClient;
}

export interface CloudConfig {
  authUrl: string;
  userDomainName: string;
  projectDomainName: string;
  admin: { username: string; password: string; project: string };
  timeoutMs: number;
}

export interface CloudClients {
  authUrl: string;
  timeoutMs: number;
  admin: ProjectClients;
  /** Clients acting as a tenant user; cached per (user, project). */
  tenant(user: { username: string; password: string; project: string }): ProjectClients;
  /**
   * Clients acting through a trust: the admin user authenticates and redeems the trust, so the calls
   * run in the trust's project with its roles (as the trustor, with impersonation). Cached per trust.
   */
  trustee(trustId: string): ProjectClients;
  /** Forgets the cached trustee clients of a trust (after it was deleted). */
  dropTrustee(trustId: string): void;
  /** The admin user's Keystone id: the trustee of the trusts tenants create for blockflow. */
  adminUserId(): Promise<string>;
}

export function connectCloud(config: CloudConfig): CloudClients {
  const clientsFor = (creds: Credentials): ProjectClients => {
    const session = new KeystoneSession(creds, config.timeoutMs);
    return {
      session,
      cinder: new CinderClient(session),
      nova: new NovaClient(session),
      neutron: new NeutronClient(session),
    };
  };
  const credentials = (username: string, password: string, projectName: string): Credentials => ({
    authUrl: config.authUrl,
    username,
    password,
    projectName,
    userDomainName: config.userDomainName,
    projectDomainName: config.projectDomainName,
  });
  const { username, password, project } = config.admin;
  const admin = clientsFor(credentials(username, password, project));
  const tenants = new Map<string, ProjectClients>();
  const trustees = new Map<string, ProjectClients>();
  return {
    authUrl: config.authUrl,
    timeoutMs: config.timeoutMs,
    admin,
    tenant(user) {
      const key = `${user.username}\u0000${user.project}\u0000${user.password}`;
      let clients = tenants.get(key);
      if (!clients) tenants.set(key, (clients = clientsFor(credentials(user.username, user.password, user.project))));
      return clients;
    },
    trustee(trustId) {
      let clients = trustees.get(trustId);
      if (!clients)
        trustees.set(trustId, (clients = clientsFor({ ...credentials(username, password, project), trustId })));
      return clients;
    },
    dropTrustee(trustId) {
      trustees.delete(trustId);
    },
    async adminUserId() {
      return (await admin.session.authenticate()).userId;
    },
  };
}
