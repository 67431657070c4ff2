import { Hono, type Context } from 'hono';
import { canSee } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault } from '../errors';
import { newUuid, randomText } from '../ids';
import { listScope, matchesQuery, sortByQuery } from '../listing';
import { paginate } from '../paging';
import type { Server } from '../state';
import { readJson } from '../validation';
import { novaLinks } from './flavors';
import { CreateServer, planBuild } from './server-request';
import { serverDetail, serverSummary } from './server-view';

/** nova's name filter is a regular expression; one that does not compile matches literally. */
function nameRegex(pattern: string | undefined): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

/** nova servers: boot from volume, list/detail/show, delete, volume attachments. */
export function serverRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  const visibleServer = (auth: AuthContext, id: string): Server => {
    const server = cloud.state.servers.get(id);
    if (!server || !canSee(auth, server.projectId)) throw fault.notFound(`Instance ${id} could not be found.`);
    return server;
  };

  const list = (c: Context<SimEnv>, detailed: boolean) => {
    const auth = c.get('auth');
    const inScope = listScope(c, auth);
    const namePattern = nameRegex(c.req.query('name'));
    const nameMatches = (s: Server) => !namePattern || namePattern.test(s.name);
    const matching = [...cloud.state.servers.values()].filter(
      (s) => inScope(s.projectId) && nameMatches(s) && matchesQuery(c, s, { status: (r) => r.status }),
    );
    const sorted = sortByQuery(c, matching, {
      created_at: (s) => s.createdAt,
      id: (s) => s.id,
      display_name: (s) => s.name,
    });
    const url = `${cloud.baseUrl}/compute/v2.1/${detailed ? 'servers/detail' : 'servers'}`;
    const page = paginate(c, sorted, url, (marker) => fault.badRequest(`marker [${marker}] not found`));
    const version = c.get('apiVersion');
    const body: Record<string, unknown> = {
      servers: page.items.map((s) => (detailed ? serverDetail(cloud, s, auth, version) : serverSummary(cloud, s))),
    };
    if (page.links) body.servers_links = page.links;
    return c.json(body);
  };

  app.get('/', (c) => list(c, false));
  app.get('/detail', (c) => list(c, true));

  app.post('/', async (c) => {
    const auth = c.get('auth');
    const { server: req } = await readJson(c, CreateServer, 'fault');
    const plan = planBuild(cloud, auth, req, c.get('apiVersion'));
    const now = Date.now();
    const server: Server = {
      id: newUuid(),
      projectId: auth.projectId,
      userId: auth.user.id,
      name: req.name,
      flavorId: plan.flavorId,
      status: 'BUILD',
      taskState: 'spawning',
      metadata: req.metadata ?? {},
      volumes: plan.volumes,
      createdAt: now,
      updatedAt: now,
      launchedAt: null,
    };
    // An injected compute failure is taken only by a request nova accepts.
    const buildFailure = plan.buildFailure ?? cloud.takeForcedBootFailure();
    if (buildFailure) server.buildFailure = buildFailure;
    // An address outside its network fails the port create on the compute node: that build makes no port.
    cloud.servers.boot(server, plan.buildFailure ? [] : plan.nics);
    const links = novaLinks(cloud.baseUrl, 'servers', server.id);
    const body = {
      id: server.id,
      links,
      adminPass: randomText(9),
      'OS-DCF:diskConfig': 'MANUAL',
      security_groups: [{ name: 'default' }],
    };
    return c.json({ server: body }, 202, { Location: links[0].href });
  });

  app.get('/:id', (c) => {
    const auth = c.get('auth');
    return c.json({ server: serverDetail(cloud, visibleServer(auth, c.req.param('id')), auth, c.get('apiVersion')) });
  });

  app.delete('/:id', (c) => {
    const server = visibleServer(c.get('auth'), c.req.param('id'));
    if (server.taskState !== 'deleting') cloud.servers.startDelete(server);
    return c.body(null, 204);
  });

  app.get('/:id/os-volume_attachments', (c) => {
    const server = visibleServer(c.get('auth'), c.req.param('id'));
    const version = c.get('apiVersion');
    const volumeAttachments = server.volumes.flatMap((sv) => {
      const attachment = cloud.state.volumes.get(sv.volumeId)?.attachments.find((a) => a.serverId === server.id);
      if (!attachment) return [];
      const view: Record<string, unknown> = {
        id: sv.volumeId,
        volumeId: sv.volumeId,
        serverId: server.id,
        device: attachment.device,
      };
      if (version.atLeast('2.79')) view.delete_on_termination = sv.deleteOnTermination;
      return [view];
    });
    return c.json({ volumeAttachments });
  });

  return app;
}
