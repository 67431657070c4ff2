// Each HTTP request logged once, when its answer is known: method, path, status, duration. The
// query string is left out (it may carry a token someday); the path is what routes match on.
import type { MiddlewareHandler } from 'hono';
import { createLogger, type Logger } from './logger';

/** Paths polled every few seconds (the dashboard, Prometheus): logged at debug, not info. */
const POLLED = /^\/(metrics|healthz|dashboard\/|v1\/dashboard\/)|^\/$/;
/** Sent by a poller of other routes (the dashboard's reads of /v1/pool): those go at debug too. */
export const POLL_HEADER = 'x-blockflow-poll';

export function requestLog(log: Logger = createLogger('api')): MiddlewareHandler {
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    const attrs = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - t0),
    };
    if (c.res.status >= 500) log.error('request', attrs);
    else if ((POLLED.test(c.req.path) || c.req.header(POLL_HEADER)) && c.res.status < 400) log.debug('request', attrs);
    else log.info('request', attrs);
  };
}
