// The HTTP API: small routers composed in one app, validation at the edge, OpenAPI generated
// from the same zod schemas.
import type { ApiDeps } from './deps';
import { operatorSignIn, requireOperator } from './auth';
import { HTTPException } from 'hono/http-exception';
import { randomUUID } from 'node:crypto';
import { bodyLimit } from 'hono/body-limit';
import { conflict, internalError, invalidRequest, tooLarge } from './problem';
import { createRouter } from './router';
import { methodNotAllowed, servedDocument } from './openapi-doc';
import { healthRoutes } from './routes/operator/health';
import { cloudRoutes } from './routes/operator/cloud';
import { poolStatusRoutes } from './routes/pool/status';
import { poolAdminRoutes } from './routes/pool/admin';
import { poolRefreshRoutes } from './routes/pool/refreshes';
import { drillRoutes } from './routes/drills/drills';
import { volumeRoutes } from './routes/volumes/volumes';
import { networkRoutes } from './routes/servers/networks';
import { serverRoutes } from './routes/servers/servers';
import { metricsRoutes } from './routes/operator/metrics';
import { dashboardPage, dashboardRoutes } from './routes/operator/dashboard';
import { createLogger } from '../observability/logger';
import { requestLog } from '../observability/request-log';
import { TrustsBusy } from './routes/servers/trust';
import { PoolNotSetUp } from '../pool/settings';

const log = createLogger('api');

/** The largest request body read (the largest real one, a network's reserved addresses, is far below). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Hono's answers to a body it could not read: malformed JSON (400), a media type not declared (415). */
const BODY_REFUSED = new Set([400, 415]);

export function createApp(deps: ApiDeps) {
  const app = createRouter();
  app.use('*', requestLog(log));
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json(tooLarge(`the request body is over ${MAX_BODY_BYTES} bytes`), 413),
    }),
  );
  // Each route's declared security decides (api/auth.ts); the document is built at the first request.
  app.use(
    '/v1/*',
    requireOperator(deps.apiToken, () => spec()),
  );
  app.get('/operator', operatorSignIn(deps.apiToken));
  // Each router on its base path (its routes' paths are relative to it).
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', dashboardPage());
  app.route('/v1/cloud', cloudRoutes(deps));
  app.route('/v1/pool', poolStatusRoutes(deps));
  app.route('/v1/pool', poolAdminRoutes(deps));
  app.route('/v1/pool/refreshes', poolRefreshRoutes(deps));
  app.route('/v1/drills', drillRoutes(deps));
  app.route('/v1/volumes', volumeRoutes(deps));
  app.route('/v1/networks', networkRoutes(deps));
  app.route('/v1/servers', serverRoutes(deps));
  app.route('/v1/dashboard', dashboardRoutes(deps));
  // Built once, at the first request (every route is registered by then).
  let doc: ReturnType<typeof servedDocument> | undefined;
  const spec = () =>
    (doc ??= servedDocument(app, {
      openapi: '3.1.0',
      info: { title: 'blockflow', version: '0.1.0', description: 'Block-storage control plane on Temporal' },
    }));
  app.get('/openapi.json', (c) => c.json(spec()));
  // A path the API has, asked with a method it has not: 405 naming the ones it has (Allow).
  app.notFound((c) => methodNotAllowed(c, spec()) ?? c.text('404 Not Found', 404));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'the API token (API_TOKEN, or .data/api-token)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operatorBasic', {
    type: 'http',
    scheme: 'basic',
    description:
      'reads that start nothing, where a route declares it: any user name, the API token as the password ' +
      '(the dashboard; GET /operator signs in)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'keystone', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Auth-Token',
    description: "the tenant's own Keystone token",
  });
  app.onError((err, c) => {
    // A body that is not JSON (malformed, or sent as another media type) is the caller's mistake.
    if (err instanceof HTTPException && BODY_REFUSED.has(err.status))
      return c.json(invalidRequest('(body)', `${err.message}: send a JSON object as application/json`), 400);
    if (err instanceof PoolNotSetUp) return c.json(conflict(err.message), 409);
    if (err instanceof TrustsBusy) {
      c.header('Retry-After', '5');
      return c.json({ error: 'unavailable', message: `${err.message}: retry in a few seconds` }, 503);
    }
    const reference = randomUUID();
    log.error('unhandled error', { method: c.req.method, path: c.req.path, reference, error: err.message });
    return c.json(internalError(reference), 500);
  });
  return app;
}
