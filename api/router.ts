// The one way to make a router: every router in routes/, and the app that composes them, carries
// the validation hook, so bad input answers 400 naming the field whichever router defines the route.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { validationHook } from './validation';

export const createRouter = <E extends Env = Env>() => new OpenAPIHono<E>({ defaultHook: validationHook });
