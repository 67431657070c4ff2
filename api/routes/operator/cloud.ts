import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../../deps';
import { randomUUID } from 'node:crypto';
import { response, security } from '../../openapi';
import { createRouter } from '../../router';
import { cloudInventory } from '../../../workflows';

const Snapshot = z.object({ id: z.string(), name: z.string(), status: z.string(), sizeGb: z.number() });
const Inventory = z.object({
  workflowId: z.string(),
  snapshots: z.array(Snapshot),
  volumeTypes: z.array(z.string()),
});

const route = createRoute({
  method: 'get',
  path: '/inventory',
  summary: "The cloud's image snapshots and volume types, read by the cloudInventory workflow",
  security, // it starts a workflow: Bearer only
  responses: { 200: response('inventory', Inventory) },
});

export function cloudRoutes(deps: ApiDeps) {
  return createRouter().openapi(route, async (c) => {
    // One id per call: two calls in the same millisecond used to collide (a 500).
    const workflowId = `cloud-inventory-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const result = await deps.temporal.workflow.execute(cloudInventory, {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [],
    });
    return c.json({ workflowId, ...result }, 200);
  });
}
