// The clients for one OpenStack cloud: the admin project's session (pool creates, transfers
// out) and, on demand, sessions of tenant users (transfer accept, server create).
import { CinderClient } from './cinder';
import { KeystoneSession, type Credentials } from './keystone';
import { NovaClient } from './nova';

export interface ProjectClients {
  session: KeystoneSession;
  cinder: CinderClient;
  nova: NovaClient;
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
  admin: ProjectClients;
  /** Clients acting as a tenant user; cached per (user, project). */
  tenant(user: { username: string; password: string; project: string }): ProjectClients;
}

export function connectCloud(config: CloudConfig): CloudClients {
  const clientsFor = (username: string, password: string, projectName: string): ProjectClients => {
    const creds: Credentials = {
      authUrl: config.authUrl, username, password, projectName,
      userDomainName: config.userDomainName, projectDomainName: config.projectDomainName,
    };
    const session = new KeystoneSession(creds, config.timeoutMs);
    return { session, cinder: new CinderClient(session), nova: new NovaClient(session) };
  };
  const tenants = new Map<string, ProjectClients>();
  return {
    authUrl: config.authUrl,
    admin: clientsFor(config.admin.username, config.admin.password, config.admin.project),
    tenant(user) {
      const key = `${user.username}\u0000${user.project}\u0000${user.password}`;
      let clients = tenants.get(key);
      if (!clients) tenants.set(key, (clients = clientsFor(user.username, user.password, user.project)));
      return clients;
    },
  };
}
