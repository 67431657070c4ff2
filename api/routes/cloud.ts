import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../deps';
import { cloudInventory } from '../../workflows';

const Inventory = z.object({
  workflowId: z.string(),
  snapshots: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), sizeGb: z.number() })),
  volumeTypes: z.array(z.string()),
});

const route = createRoute({
  method: 'get',
  path: '/v1/cloud/inventory',
  summary: "The cloud's image snapshots and volume types, read by the cloudInventory workflow",
  responses: { 200: { description: 'inventory', content: { 'application/json': { schema: Inventory } } } },
});

export function cloudRoutes(deps: ApiDeps) {
  return new OpenAPIHono().openapi(route, async (c) => {
    const workflowId = `cloud-inventory-${Date.now()}`;
    const result = await deps.temporal.workflow.execute(cloudInventory, { taskQueue: deps.taskQueue, workflowId, args: [] });
    return c.json({ workflowId, ...result }, 200);
  });
}
