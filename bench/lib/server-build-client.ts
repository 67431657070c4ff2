// One server build as a tenant makes it: a Keystone token, POST /v1/servers, then createServer's
// result awaited with the Temporal client (no poll granularity in the latency).
import { performance } from 'node:perf_hooks';
import { KeystoneSession } from '../../openstack/keystone';
import type { CreateServerResult } from '../../workflows/servers/create-server';
import {
  FALLBACK_OS,
  HIT_OS,
  VOLUME_TYPE,
  type Bench,
  type Level,
  type Path,
  type Sample,
} from './server-bench-config';

/** A fresh project-scoped token of `user` (the client's own Keystone session). */
export async function keystoneToken(authUrl: string, user: { name: string; password: string; project: string }) {
  const session = new KeystoneSession({
    authUrl,
    username: user.name,
    password: user.password,
    projectName: user.project,
    userDomainName: 'Default',
    projectDomainName: 'Default',
  });
  return (await session.authenticate()).token;
}

let seq = 0;
/** One build through the API; its latency ends when the Temporal client has createServer's result. */
export async function build(b: Bench, path: Path, concurrency: Level): Promise<Sample> {
  const name = `${path}-c${concurrency}-${String(seq++).padStart(4, '0')}`;
  const body = {
    name,
    osName: path === 'hit' ? HIT_OS : FALLBACK_OS,
    volumeType: VOLUME_TYPE,
    flavor: 'm1.small',
    swapGb: 1,
    dataGb: 2,
  };
  const t0 = performance.now();
  const sentAt = Date.now();
  const res = await fetch(`${b.apiUrl}/v1/servers`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': b.demoToken },
    body: JSON.stringify(body),
  });
  const accepted = performance.now();
  const answer = (await res.json()) as { id?: string };
  const base = { path, concurrency, acceptMs: accepted - t0, sentAt };
  if (res.status !== 202 || !answer.id) {
    return { ...base, id: name, latencyMs: NaN, ok: false, error: `POST ${res.status}: ${JSON.stringify(answer)}` };
  }
  try {
    const result = (await b.c.temporal.workflow.getHandle(answer.id).result()) as CreateServerResult;
    const latencyMs = performance.now() - t0;
    const expected = path === 'hit' ? 'pool-hit' : 'fallback';
    const ok = result.path === expected;
    return {
      ...base,
      id: answer.id,
      latencyMs,
      ok,
      gotPath: result.path,
      stepTimings: result.stepTimings,
      ...(ok ? {} : { error: `path ${result.path}, expected ${expected}` }),
    };
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message;
    return { ...base, id: answer.id, latencyMs: NaN, ok: false, error: cause ?? (err as Error).message };
  }
}
