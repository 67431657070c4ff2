// A Keystone v3 session: password auth scoped to a project, the token cached until shortly
// before it expires, the service catalog, and authenticated requests that re-authenticate
// once when a service answers 401 (token revoked or expired early).
import { httpJson, type HttpRequest } from './http';
import { UnauthorizedError } from './errors';

export interface Credentials {
  authUrl: string; // …/v3
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; url: string; region?: string }[];
}

interface TokenBody {
  token: { expires_at: string; issued_at?: string; project?: { id: string; name: string }; user: { id: string; name: string }; catalog?: CatalogEntry[] };
}

export interface AuthState {
  token: string;
  projectId: string;
  userId: string;
  expiresAt: number;
  /** Renew from this moment on: shortly before expiry, so a token never dies mid-request. */
  renewAt: number;
  catalog: CatalogEntry[];
}

/** Renew this long before expiry, or a tenth of the token's lifetime when that is shorter. */
const EXPIRY_MARGIN_MS = 60_000;

export class KeystoneSession {
  private auth?: AuthState;
  private pending?: Promise<AuthState>;

  constructor(
    private readonly creds: Credentials,
    private readonly timeoutMs = 30_000,
  ) {}

  get username(): string {
    return this.creds.username;
  }

  /** The current token, authenticating when there is none or it is about to expire. */
  async authenticate(): Promise<AuthState> {
    if (this.auth && this.auth.renewAt > Date.now()) return this.auth;
    // One in-flight auth shared by concurrent callers.
    this.pending ??= this.requestToken().finally(() => { this.pending = undefined; });
    this.auth = await this.pending;
    return this.auth;
  }

  invalidate(): void {
    this.auth = undefined;
  }

  /** Public URL of a service from the catalog, without a trailing slash. */
  async endpoint(serviceType: string, iface = 'public'): Promise<string> {
    const { catalog } = await this.authenticate();
    const url = catalog.find((e) => e.type === serviceType)?.endpoints.find((e) => e.interface === iface)?.url;
    if (!url) throw new Error(`the Keystone catalog at ${this.creds.authUrl} has no ${iface} endpoint of type ${serviceType}`);
    return url.replace(/\/+$/, '');
  }

  /** A request to a catalog service with the token; on 401 re-authenticates and retries once. */
  async request<T>(serviceType: string, req: Omit<HttpRequest, 'url' | 'timeoutMs' | 'service'> & { path: string }): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { token } = await this.authenticate();
      const url = `${await this.endpoint(serviceType)}${req.path}`;
      try {
        const res = await httpJson<T>({ ...req, service: serviceType, url, timeoutMs: this.timeoutMs, headers: { ...req.headers, 'X-Auth-Token': token } });
        return res.body;
      } catch (err) {
        if (err instanceof UnauthorizedError && attempt === 0) {
          this.invalidate();
          continue;
        }
        throw err;
      }
    }
  }

  private async requestToken(): Promise<AuthState> {
    const { creds } = this;
    const res = await httpJson<TokenBody>({
      service: 'identity',
      method: 'POST',
      url: `${creds.authUrl.replace(/\/+$/, '')}/auth/tokens`,
      timeoutMs: this.timeoutMs,
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: creds.username, domain: { name: creds.userDomainName }, password: creds.password } } },
          scope: { project: { name: creds.projectName, domain: { name: creds.projectDomainName } } },
        },
      },
    });
    const token = res.headers.get('x-subject-token');
    const body = res.body.token;
    if (!token || !body.project) throw new Error(`Keystone at ${creds.authUrl} returned no project-scoped token`);
    const expiresAt = Date.parse(body.expires_at);
    const issuedAt = body.issued_at ? Date.parse(body.issued_at) : Date.now();
    const margin = Math.min(EXPIRY_MARGIN_MS, Math.max(0, expiresAt - issuedAt) / 10);
    return { token, projectId: body.project.id, userId: body.user.id, expiresAt, renewAt: expiresAt - margin, catalog: body.catalog ?? [] };
  }
}
