import { beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../openstack-sim/index';
import { api, call, FAST, login, passwordAuth, useSimulator } from './helpers';

const UNAUTHORIZED = {
  error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
};
const logLines: string[] = [];

describe('keystone v3', () => {
  const started = useSimulator({ ...FAST, log: (line) => logLines.push(line) });
  let sim: RunningSimulator;
  let tokens: string;
  beforeAll(() => {
    sim = started();
    tokens = `${sim.authUrl}/auth/tokens`;
  });

  it('serves version discovery at /identity/ (300) and /identity/v3', async () => {
    const root = await call('GET', `${sim.url}/identity/`);
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    expect(root.body.versions.values[0].links[0].href).toBe(`${sim.url}/identity/v3/`);
    const v3 = await call('GET', sim.authUrl);
    expect(v3.status).toBe(200);
    expect(v3.body.version['media-types'][0].type).toBe('application/vnd.openstack.identity-v3+json');
  });

  it('issues a project-scoped token with roles and the devstack-style catalog', async () => {
    const reply = await call('POST', tokens, passwordAuth('admin', 'admin-secret', 'admin'));
    expect(reply.status).toBe(201);
    const subject = reply.headers.get('x-subject-token');
    expect(subject).toMatch(/^gAAAAA/);
    const token = reply.body.token;
    expect(token.methods).toEqual(['password']);
    expect(token.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(token.project).toMatchObject({ name: 'admin', domain: { id: 'default' } });
    expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    const ttl = Date.parse(token.expires_at) - Date.parse(token.issued_at);
    expect(ttl).toBe(3600_000);
    const byType = Object.fromEntries(token.catalog.map((s: any) => [s.type, s]));
    expect(Object.keys(byType)).toEqual(expect.arrayContaining(['identity', 'volumev3', 'compute']));
    for (const service of Object.values<any>(byType)) {
      expect(service.endpoints.map((e: any) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
      for (const e of service.endpoints) expect(e.region).toBe('RegionOne');
    }
    expect(byType.identity.endpoints[0].url).toBe(`${sim.url}/identity`);
    expect(byType.volumev3.endpoints[0].url).toBe(`${sim.url}/volume/v3/${token.project.id}`);
    expect(byType.compute.endpoints[0].url).toBe(`${sim.url}/compute/v2.1`);
  });

  it('accepts user and project by id', async () => {
    const admin = await login(sim);
    const reply = await call('POST', tokens, {
      auth: {
        identity: { methods: ['password'], password: { user: { id: admin.userId, password: 'admin-secret' } } },
        scope: { project: { id: admin.projectId } },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.token.project.id).toBe(admin.projectId);
  });

  it('answers a wrong password, an unknown user and a foreign project with 401 and keystone’s body', async () => {
    for (const body of [
      passwordAuth('admin', 'wrong', 'admin'),
      passwordAuth('nobody', 'admin-secret', 'admin'),
      passwordAuth('demo', 'demo-secret', 'admin'),
    ]) {
      const reply = await call('POST', tokens, body);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED);
    }
  });

  it('rejects malformed requests with 400 naming the problem', async () => {
    const notJson = await call('POST', tokens, '{"auth": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
    const noMethods = await call('POST', tokens, {
      auth: { identity: { password: { user: { name: 'admin', password: 'x' } } } },
    });
    expect(noMethods.status).toBe(400);
    expect(noMethods.body.error.message).toBe(
      "Invalid input for field 'auth/identity': 'methods' is a required property",
    );
    const noDomain = await call('POST', tokens, {
      auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin-secret' } } } },
    });
    expect(noDomain.status).toBe(400);
    expect(noDomain.body.error.message).toMatch(/^Expecting to find domain in user/);
  });

  it('validates tokens with GET/HEAD and revokes them with DELETE', async () => {
    const admin = await login(sim);
    const demo = await login(sim, 'demo');
    const headers = { 'X-Auth-Token': admin.token, 'X-Subject-Token': demo.token };
    const shown = await call('GET', tokens, undefined, headers);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('x-subject-token')).toBe(demo.token);
    expect(shown.body.token.user.name).toBe('demo');
    expect((await call('HEAD', tokens, undefined, headers)).status).toBe(200);
    expect((await call('GET', tokens, undefined, { ...headers, 'X-Subject-Token': 'bogus' })).status).toBe(404);
    expect((await call('GET', tokens, undefined, { 'X-Subject-Token': demo.token })).status).toBe(401);

    expect((await call('DELETE', tokens, undefined, headers)).status).toBe(204);
    expect((await call('GET', tokens, undefined, headers)).status).toBe(404);
    const revoked = await demo.volume.get('/volumes');
    expect(revoked.status).toBe(401);
  });

  it('gives unscoped tokens no catalog, and services refuse them', async () => {
    const reply = await call('POST', tokens, passwordAuth('demo', 'demo-secret', undefined));
    expect(reply.status).toBe(201);
    expect(reply.body.token.catalog).toBeUndefined();
    expect(reply.body.token.project).toBeUndefined();
    const demo = await login(sim, 'demo');
    const unscoped = api(`${sim.url}/volume/v3/${demo.projectId}`, reply.headers.get('x-subject-token')!);
    expect((await unscoped.get('/volumes')).status).toBe(401);
  });

  it('re-scopes with the token method', async () => {
    const demo = await login(sim, 'demo');
    const reply = await call('POST', tokens, {
      auth: {
        identity: { methods: ['token'], token: { id: demo.token } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.token.methods).toEqual(['token']);
  });

  it('401s unknown tokens on every service with a WWW-Authenticate pointing at keystone', async () => {
    const demo = await login(sim, 'demo');
    for (const url of [`${sim.url}/volume/v3/${demo.projectId}/volumes`, `${sim.url}/compute/v2.1/servers`]) {
      const reply = await call('GET', url, undefined, { 'X-Auth-Token': 'not-a-token' });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED);
      expect(reply.headers.get('www-authenticate')).toBe(`Keystone uri="${sim.url}/identity"`);
    }
  });

  it('expires tokens after tokenTtlSeconds so clients must re-authenticate', async () => {
    const short = await startSimulator({ ...FAST, tokenTtlSeconds: 1 });
    try {
      const demo = await login(short, 'demo');
      expect((await demo.volume.get('/volumes')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await demo.volume.get('/volumes')).status).toBe(401);
      const validate = await call('GET', `${short.authUrl}/auth/tokens`, undefined, {
        'X-Auth-Token': demo.token,
        'X-Subject-Token': demo.token,
      });
      expect(validate.status).toBe(401);
      const again = await login(short, 'demo');
      expect((await again.volume.get('/volumes')).status).toBe(200);
    } finally {
      await short.stop();
    }
  });

  it('logs one line per request and never a password or token', async () => {
    const demo = await login(sim, 'demo');
    await demo.volume.get('/volumes');
    const line = logLines.find((l) => l.startsWith(`GET /volume/v3/${demo.projectId}/volumes 200`));
    expect(line).toMatch(/^GET \S+ 200 \d+ms$/);
    expect(logLines.join('\n')).not.toMatch(/secret|gAAAAA/);
  });
});
