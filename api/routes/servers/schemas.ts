// Request and response bodies of the tenant's server routes (routes/servers.ts).
import { z } from '@hono/zod-openapi';
import { BUILD_STATUSES, MAX_PAGE, STUCK_REASONS, SYSTEM_DISK_PATHS } from '../../../servers/builds';

/** Nova accepts more, but the server's name also names its disks (`<name>-sys`) and its host name. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
export const MAX_SWAP_GB = 64;
export const MAX_DATA_GB = 4096;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
export const Ipv4Address = z.string().regex(IPV4, 'must be an IPv4 address');

export const ServerRequest = z
  .object({
    name: z.string().regex(SERVER_NAME_PATTERN, 'must be 1-63 letters, digits or "-", starting with a letter or digit'),
    osName: z.string().min(1).max(128).openapi({ description: "an OS of the pool's image catalog" }),
    volumeType: z.string().min(1).max(64),
    flavor: z.string().min(1).max(255).openapi({ description: 'Nova flavor id or name' }),
    swapGb: z.number().int().min(0).max(MAX_SWAP_GB).openapi({ description: '0 = no swap disk' }),
    dataGb: z.number().int().min(0).max(MAX_DATA_GB).openapi({ description: '0 = no data disk' }),
    network: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .openapi({ description: 'a network blockflow manages, by id or name; optional when it manages one' }),
    fixedIp: Ipv4Address.optional(),
  })
  .strict()
  .openapi('ServerRequest');
export type ServerRequest = z.infer<typeof ServerRequest>;

export const BuildId = z.object({ id: z.string().min(1).max(128) });

/** GET /v1/servers as Nova pages its lists: at most `limit` builds, those after the build `marker`. */
export const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .openapi({ description: `builds per page (default and most: ${MAX_PAGE})` }),
  marker: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: 'the last build of the previous page (its id)' }),
});

const BuildStatus = z.enum(BUILD_STATUSES).openapi('BuildStatus');

export const ServerAccepted = z
  .object({
    id: z.string(),
    status: BuildStatus,
    links: z.object({ self: z.string() }),
  })
  .openapi('ServerAccepted');

export const ServerBuildView = z
  .object({
    id: z.string(),
    name: z.string(),
    status: BuildStatus,
    path: z.enum(SYSTEM_DISK_PATHS).nullable(),
    step: z.string(),
    stepTimings: z.record(z.string(), z.number()),
    request: z.object({
      osName: z.string(),
      volumeType: z.string(),
      flavorId: z.string(),
      swapGb: z.number(),
      dataGb: z.number(),
      networkId: z.string(),
    }),
    server: z.object({ id: z.string() }).nullable(),
    volumes: z.object({ system: z.string().nullable(), swap: z.string().nullable(), data: z.string().nullable() }),
    systemDiskSnapshotId: z
      .string()
      .nullable()
      .openapi({
        description:
          'the OS snapshot the system disk was built from (a pool spare: its generation; a fallback: the ' +
          "catalog's snapshot then); null until the disk is handed over",
      }),
    address: z.string().nullable(),
    failureReason: z.string().nullable(),
    compensation: z.record(z.string(), z.string()).nullable(),
    stuck: z
      .object({
        since: z.string().openapi({ description: 'when its undo or delete first gave up' }),
        reason: z.enum(STUCK_REASONS).openapi({
          description:
            'undo_failed: an undo of the failed build gave up; delete_failed: a step of its delete gave up; ' +
            'run_lost, delete_lost: its run (or its delete) stopped without recording its end',
        }),
        retries: z.number().int().openapi({ description: 'how many times blockflow has retried it so far' }),
        nextRetryAt: z.string().nullable().openapi({
          description: 'when blockflow retries it next (null: within about a minute); backing off up to an hour',
        }),
      })
      .nullable()
      .openapi({
        description:
          'null, or cleanup pending: something of the build may be left in your project; blockflow retries it ' +
          '(after 1, 2, 4 … minutes, then hourly) and clears this once nothing is left; a DELETE retries a ' +
          'stuck delete at once',
      }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('ServerBuild');

export const ServerBuildList = z
  .object({
    servers: z.array(ServerBuildView),
    /** Nova's: present while a page is full, `next` carrying the following page's query. */
    servers_links: z.array(z.object({ rel: z.string(), href: z.string() })).optional(),
  })
  .openapi('ServerBuildList');
