// A Keystone v3 session: password auth scoped to a project, the token cached until shortly
// before it expires, the service catalog, and authenticated requests that re-authenticate
// once when a service answers 401 (token revoked or expired early).
import { httpJson, type HttpRequest } from './http';
import { UnauthorizedError } from './errors';

export interface Credentials {
  authUrl: string; // …/v3
  username: string;
  password: string;
  /** The project the token is scoped to; ignored when trustId is set (the trust names the project). */
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** Scope the token to this Keystone trust (OS-TRUST) instead: act for its trustor, with its roles. */
  trustId?: string;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; url: string; region?: string }[];
}

export interface TokenBody {
  token: {
    expires_at: string;
    issued_at?: string;
    /** How the token was got: password, token, application_credential, … */
    methods?: string[];
    project?: { id: string; name: string };
    user: { id: string; name: string };
    roles?: { id: string; name: string }[];
    catalog?: CatalogEntry[];
    'OS-TRUST:trust'?: {
      id: string;
      impersonation: boolean;
      trustor_user: { id: string };
      trustee_user: { id: string };
    };
  };
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

type SessionRequest = Omit<HttpRequest, 'url' | 'timeoutMs' | 'service'>;

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

  /** Keystone's v3 URL as configured (…/v3, no trailing slash). */
  get authUrl(): string {
    return this.creds.authUrl.replace(/\/+$/, '');
  }

  /** The trust this session's tokens are scoped to, if any. */
  get trustId(): string | undefined {
    return this.creds.trustId;
  }

  /** The current token, authenticating when there is none or it is about to expire. */
  async authenticate(): Promise<AuthState> {
    if (this.auth && this.auth.renewAt > Date.now()) return this.auth;
    // One in-flight auth shared by concurrent callers.
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
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
    if (!url)
      throw new Error(`the Keystone catalog at ${this.creds.authUrl} has no ${iface} endpoint of type ${serviceType}`);
    return url.replace(/\/+$/, '');
  }

  /** A request to a catalog service with the token; on 401 re-authenticates and retries once. */
  async request<T>(serviceType: string, req: SessionRequest & { path: string }): Promise<T> {
    return this.send<T>(serviceType, async () => `${await this.endpoint(serviceType)}${req.path}`, req);
  }

  /**
   * A request to Keystone's own API (path under …/v3) with the token, re-authenticating once on 401.
   * The configured auth URL, not the catalog: devstack publishes identity without its version.
   */
  async identity<T>(req: SessionRequest & { path: string }): Promise<T> {
    return this.send<T>('identity', async () => `${this.authUrl}${req.path}`, req);
  }

  private async send<T>(service: string, url: () => Promise<string>, req: SessionRequest): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { token } = await this.authenticate();
      try {
        const headers = { ...req.headers, 'X-Auth-Token': token };
        const res = await httpJson<T>({ ...req, service, url: await url(), timeoutMs: this.timeoutMs, headers });
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
          identity: {
            methods: ['password'],
            password: {
              user: { name: creds.username, domain: { name: creds.userDomainName }, password: creds.password },
            },
          },
          scope: creds.trustId
            ? { 'OS-TRUST:trust': { id: creds.trustId } }
            : { project: { name: creds.projectName, domain: { name: creds.projectDomainName } } },
        },
      },
    });
    const token = res.headers.get('x-subject-token');
    const body = res.body.token;
    if (!token || !body.project) throw new Error(`Keystone at ${creds.authUrl} returned no project-scoped token`);
    const expiresAt = Date.parse(body.expires_at);
    const issuedAt = body.issued_at ? Date.parse(body.issued_at) : Date.now();
    const margin = Math.min(EXPIRY_MARGIN_MS, Math.max(0, expiresAt - issuedAt) / 10);
    return {
      token,
      projectId: body.project.id,
      userId: body.user.id,
      expiresAt,
      renewAt: expiresAt - margin,
      catalog: body.catalog ?? [],
    };
  }
}
