// Raw HTTP for what the project's clients hide on purpose (status codes, headers, error bodies),
// authenticated with the clients' own session so both talk to the same project.
import type { KeystoneSession } from '../../activities/openstack/keystone';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export async function rawCall(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text so a failing expectation shows it */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export interface RawVolumeApi {
  /** …/v3/{project_id} from the catalog. */
  url: string;
  projectId: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export async function rawVolumeApi(session: KeystoneSession): Promise<RawVolumeApi> {
  const { token, projectId } = await session.authenticate();
  const url = await session.endpoint('volumev3');
  return {
    url,
    projectId,
    call: (method, path, body, headers = {}) => rawCall(method, `${url}${path}`, body, { 'X-Auth-Token': token, ...headers }),
  };
}

/** Polls until `probe` returns a value; fails naming `what` after the timeout. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
