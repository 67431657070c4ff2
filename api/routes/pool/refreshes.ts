// A kind's rolling image refresh, paused, resumed or cancelled by an operator (pool/refresh-control);
// its state and reason are in GET /v1/pool (kinds[].refresh).
import { createRoute, z } from '@hono/zod-openapi';
import { controlRefresh, REFRESH_ACTIONS, refreshWorkflowId } from '../../../pool/refresh-control';
import type { ApiDeps } from '../../deps';
import { response, security } from '../../openapi';
import { conflict, problemResponse } from '../../problem';
import { createRouter } from '../../router';

const RefreshTarget = z.object({
  volumeType: z.string().min(1).max(64),
  osName: z.string().min(1).max(128),
  action: z.enum(REFRESH_ACTIONS),
});
const Asked = z.object({ workflowId: z.string(), message: z.string() });

const controlRoute = createRoute({
  method: 'post',
  path: '/{volumeType}/{osName}/{action}',
  summary: "Pause, resume or cancel a kind's rolling image refresh",
  security,
  request: { params: RefreshTarget },
  responses: {
    202: response('asked; GET /v1/pool shows the refresh state once it has acted', Asked),
    409: problemResponse('no refresh of this kind is running'),
  },
});

export function poolRefreshRoutes(deps: ApiDeps) {
  return createRouter().openapi(controlRoute, async (c) => {
    const { action, ...kind } = c.req.valid('param');
    if (!(await controlRefresh(deps.temporal, kind, action)))
      return c.json(conflict(`no image refresh of ${kind.volumeType}/${kind.osName} is running`), 409);
    const workflowId = refreshWorkflowId(kind);
    return c.json({ workflowId, message: `${action} asked of the refresh` }, 202);
  });
}
