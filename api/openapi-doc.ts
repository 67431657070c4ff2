// The OpenAPI document as served, and what follows from it at run time. Every route's own
// definition says its successes and domain errors; the answers the edge gives to any route are
// added here, once: 400 (api/validation.ts's hook and the unreadable-body answer) where a route
// takes parameters or a body, 401 (api/auth.ts, tenant-auth.ts) where it declares security, 413
// (api/app.ts's body limit) where it takes a body. The
// same document tells which methods a path has, for the 405 a method it does not have gets.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import { Problem } from './problem';

export type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type Operation = {
  parameters?: unknown[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
};
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({ description, content: { 'application/json': { schema: PROBLEM_REF } } });

/** The app's document with the edge's answers documented on every operation that can get them. */
export function servedDocument(app: OpenAPIHono<Env>, config: Parameters<OpenAPIHono['getOpenAPI31Document']>[0]) {
  app.openAPIRegistry.register('Problem', Problem);
  const doc = app.getOpenAPI31Document(config);
  for (const item of Object.values(doc.paths ?? {}))
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const responses = (op.responses ??= {});
      if ((op.parameters?.length || op.requestBody) && !responses['400'])
        responses['400'] = problem('bad input: the field named, and why');
      if (op.security?.length && !responses['401']) responses['401'] = problem('missing or wrong credentials');
      if (op.requestBody && !responses['413']) responses['413'] = problem('the body is over the size limit (1 MiB)');
    }
  return doc;
}

/** For a path the document has with other methods: those methods (upper case); else null. */
export function allowedMethods(doc: Doc, path: string): string[] | null {
  const matching = Object.entries(doc.paths ?? {}).filter(([template]) => templateRegex(template).test(path));
  if (matching.length === 0) return null;
  // A literal path ("/v1/volumes/clones") is its own, even where a template ("/v1/volumes/{volumeId}") matches too.
  const exact = matching.find(([template]) => template === path);
  const items = exact ? [exact[1]] : matching.map(([, item]) => item);
  const methods = new Set(
    items.flatMap((item) => METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => m.toUpperCase())),
  );
  return methods.size ? [...methods] : null;
}

/**
 * The document's operation for this method and path, if any: a literal path's first, then a
 * template's (as the router matches: GET /v1/volumes/clones is GET /v1/volumes/{volumeId}).
 */
export function operationFor(doc: Doc, method: string, path: string): Operation | undefined {
  const items = Object.entries(doc.paths ?? {}).filter(([template]) => templateRegex(template).test(path));
  items.sort(([a], [b]) => Number(b === path) - Number(a === path));
  for (const [, item] of items) {
    const op = (item as Record<string, Operation | undefined>)[method.toLowerCase()];
    if (op) return op;
  }
  return undefined;
}

/** 405 with `Allow` when the document has the path with other methods; null when it has not the path. */
export function methodNotAllowed(c: Context, doc: Doc): Response | null {
  const allowed = allowedMethods(doc, c.req.path);
  if (!allowed || allowed.includes(c.req.method)) return null;
  c.header('Allow', allowed.join(', '));
  return c.json(
    { error: 'method_not_allowed', message: `${c.req.method} is not a method of ${c.req.path}: ${allowed.join(', ')}` },
    405,
  );
}

const templates = new Map<string, RegExp>();
function templateRegex(template: string): RegExp {
  let re = templates.get(template);
  if (!re) {
    const escaped = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    re = new RegExp(`^${escaped}/?$`);
    templates.set(template, re);
  }
  return re;
}
