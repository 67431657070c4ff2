import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps';

const Component = z.object({ up: z.boolean(), detail: z.string() });
const Health = z.object({ status: z.enum(['ok', 'degraded']), temporal: Component, database: Component, cloud: Component });

const route = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness of Temporal, PostgreSQL and the OpenStack cloud',
  responses: {
    200: { description: 'all up', content: { 'application/json': { schema: Health } } },
    503: { description: 'something is down', content: { 'application/json': { schema: Health } } },
  },
});

async function probe(check: () => Promise<string>): Promise<z.infer<typeof Component>> {
  try {
    return { up: true, detail: await check() };
  } catch (err) {
    return { up: false, detail: (err as Error).message };
  }
}

export function healthRoutes(deps: ApiDeps) {
  return new OpenAPIHono().openapi(route, async (c) => {
    const [temporal, database, cloud] = await Promise.all([
      probe(async () => {
        await deps.temporal.workflowService.describeNamespace({ namespace: deps.temporal.options.namespace });
        return `namespace ${deps.temporal.options.namespace}${deps.temporalUiUrl ? `, UI ${deps.temporalUiUrl}` : ''}`;
      }),
      probe(async () => {
        await deps.prisma.$queryRaw`SELECT 1`;
        return 'PostgreSQL answers';
      }),
      probe(async () => {
        // A real call to Cinder (a cached token alone would not notice a dead cloud).
        const types = await deps.cloud.admin.cinder.listVolumeTypes();
        return `Keystone ${deps.cloud.authUrl}, Cinder answers (${types.length} volume types)`;
      }),
    ]);
    const body = { status: temporal.up && database.up && cloud.up ? ('ok' as const) : ('degraded' as const), temporal, database, cloud };
    return c.json(body, body.status === 'ok' ? 200 : 503);
  });
}
