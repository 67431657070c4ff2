import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../../deps';
import { response } from '../../openapi';
import { createRouter } from '../../router';

const Component = z.object({ up: z.boolean(), detail: z.string() });
const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  temporal: Component,
  database: Component,
  cloud: Component,
});

const route = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness of Temporal, PostgreSQL and the OpenStack cloud',
  responses: {
    200: response('all up', Health),
    503: response('something is down', Health),
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
  return createRouter().openapi(route, async (c) => {
    const { namespace } = deps.temporal.options;
    const [temporal, database, cloud] = await Promise.all([
      probe(async () => {
        await deps.temporal.workflowService.describeNamespace({ namespace });
        return `namespace ${namespace}${deps.temporalUiUrl ? `, UI ${deps.temporalUiUrl}` : ''}`;
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
    const status = temporal.up && database.up && cloud.up ? ('ok' as const) : ('degraded' as const);
    return c.json({ status, temporal, database, cloud }, status === 'ok' ? 200 : 503);
  });
}
