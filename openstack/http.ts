// One JSON-over-HTTP call with a timeout, mapped to typed errors. No retries here: retrying is
// Temporal's job (activity retry policies), so a failure surfaces once, with its cause.
import { apiMessage, errorForStatus, UnreachableError } from './errors';

export interface HttpRequest {
  service: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export async function httpJson<T>(req: HttpRequest): Promise<HttpResponse<T>> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: {
        Accept: 'application/json',
        ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...req.headers,
      },
      body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail =
      e.name === 'TimeoutError'
        ? `no answer within ${req.timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new UnreachableError(req.service, req.method, req.url, 0, detail);
  }
  const text = await res.text();
  let body: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text: the error message below will show it */
    }
  }
  if (!res.ok) {
    const ErrorClass = errorForStatus(res.status);
    throw new ErrorClass(req.service, req.method, req.url, res.status, apiMessage(body, res.statusText));
  }
  return { status: res.status, headers: res.headers, body: (text ? body : undefined) as T };
}
