// The dashboard's read routes: query parameters (bounded, so a bad value answers 400 naming it) and
// answers, one zod schema each, from which OpenAPI is generated.
import { z } from '@hono/zod-openapi';

export const WindowQuery = z.object({
  hours: z.coerce.number().int().min(1).max(168).default(24).openapi({ description: 'look back this many hours' }),
});
export const HistoryQuery = z.object({
  hours: z.coerce.number().int().min(1).max(168).default(6),
  points: z.coerce.number().int().min(2).max(500).default(72).openapi({ description: 'samples per kind' }),
});
export const RoundsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });

const ms = z.number().nullable();
export const Claims = z
  .object({
    since: z.string(),
    kinds: z.array(
      z.object({
        volumeType: z.string(),
        osName: z.string(),
        hits: z.number(),
        fallbacks: z.number(),
        hitRate: z.number(),
        hitHandoverMsP50: ms,
        hitHandoverMsP95: ms,
        fallbackHandoverMsP50: ms,
      }),
    ),
  })
  .openapi('DashboardClaims');

export const CreateLatency = z
  .object({
    since: z.string(),
    count: z.number(),
    p50Ms: ms,
    p95Ms: ms,
    buckets: z.array(
      z.object({ leSeconds: z.number().nullable().openapi({ description: 'null = +Inf' }), count: z.number() }),
    ),
  })
  .openapi('DashboardCreateLatency');

export const PoolHistory = z
  .object({
    from: z.string(),
    to: z.string(),
    kinds: z.array(
      z.object({
        volumeType: z.string(),
        osName: z.string(),
        points: z.array(z.object({ at: z.string(), available: z.number(), creating: z.number(), claimed: z.number() })),
      }),
    ),
  })
  .openapi('DashboardPoolHistory');

export const Rounds = z
  .object({
    rounds: z.array(
      z.object({
        id: z.string(),
        workflowId: z.string().openapi({ description: "the round's workflow (a catalog sync: its newest run)" }),
        kind: z.string(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        durationMs: ms,
        created: z.number(),
        failed: z.number(),
        dropped: z.number(),
        did: z.record(z.string(), z.number()).openapi({ description: "the summary's counts (lists by length)" }),
      }),
    ),
  })
  .openapi('DashboardRounds');

export const InFlight = z
  .object({
    builds: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        osName: z.string(),
        volumeType: z.string(),
        step: z.string(),
        path: z.string().nullable(),
        startedAt: z.string(),
      }),
    ),
    drills: z.array(
      z.object({
        id: z.string(),
        scenario: z.string(),
        form: z.string(),
        stepsDone: z.array(z.string()),
        startedAt: z.string(),
      }),
    ),
    clones: z.array(
      z.object({
        workflowId: z.string(),
        phase: z.string().nullable(),
        percent: z.number().nullable(),
        startedAt: z.string(),
      }),
    ),
    hidden: z.object({ builds: z.number(), drills: z.number(), clones: z.number() }).openapi({
      description: "how many of each are running but not listed: only the operator's credentials list them",
    }),
    stuckBuilds: z.number().int().openapi({
      description: 'server builds whose undo or delete gave up (cleanup pending): the reaper retries them',
    }),
  })
  .openapi('DashboardInFlight');

export const Links = z
  .object({
    temporalUi: z.string().nullable().openapi({ description: "the Temporal Web UI's base URL, when known" }),
    namespace: z.string(),
  })
  .openapi('DashboardLinks');
