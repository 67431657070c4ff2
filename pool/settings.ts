// Pool settings and policies: seeded once from the config file, then edited through the API.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/settings';
import type { PrismaClient } from '../prisma/client';
import { unboundedPatternReason } from './name-pattern';

/** How a round spaces its creates (pool/throttle): a fixed interval, or one adapted to Cinder's pace. */
export const THROTTLE_MODES = ['fixed', 'adaptive'] as const;
export type ThrottleMode = (typeof THROTTLE_MODES)[number];

const WEEK_SECONDS = 7 * 86_400;

/** The pool's settings, with their bounds: one schema for the config file and the API. */
export const PoolSettingsValues = z.object({
  targetHighDemand: z.number().int().min(0).max(1000),
  targetLowDemand: z.number().int().min(0).max(1000),
  replenishIntervalSeconds: z.number().int().min(1).max(WEEK_SECONDS),
  reconcileIntervalSeconds: z.number().int().min(1).max(WEEK_SECONDS),
  createIntervalSeconds: z.number().min(0).max(3600),
  throttleMode: z.enum(THROTTLE_MODES),
  /** null = derived from the creates a round has seen */
  createDeadlineSeconds: z.number().int().min(1).max(86_400).nullable(),
  /** The catalog watch's interval (a sync when Cinder's snapshots changed); null = no watch, syncs on request only. */
  catalogSyncIntervalSeconds: z.number().int().min(1).max(WEEK_SECONDS).nullable(),
  snapshotNamePattern: z.string().superRefine((pattern, ctx) => {
    const reason = unboundedPatternReason(pattern);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  }),
});
export type PoolSettingsValues = z.infer<typeof PoolSettingsValues>;

export const PoolConfigFile = PoolSettingsValues.omit({ createDeadlineSeconds: true }).extend({
  /** Absent: no catalog watch. */
  catalogSyncIntervalSeconds: PoolSettingsValues.shape.catalogSyncIntervalSeconds.optional(),
  volumeTypes: z.array(z.string().min(1)).min(1),
  /** OSes that get `targetHighDemand` spares per volume type (seed: os_more). */
  osHighDemand: z.array(z.string().min(1)),
  /** OSes that get `targetLowDemand` spares per volume type (seed: os_less). */
  osLowDemand: z.array(z.string().min(1)),
});
export type PoolConfig = z.infer<typeof PoolConfigFile>;

/** Seed 001's config names, accepted in the file and mapped to the project's vocabulary at load. */
export const SEED_CONFIG_NAMES: Readonly<Record<string, keyof PoolConfig>> = {
  osMore: 'osHighDemand',
  osLess: 'osLowDemand',
  backupNumsMore: 'targetHighDemand',
  backupNumsLess: 'targetLowDemand',
  backupFrequencySeconds: 'replenishIntervalSeconds',
  checkStateFrequencySeconds: 'reconcileIntervalSeconds',
  createVolumeTimeIntervalSecond: 'createIntervalSeconds',
};

export function readPoolConfig(file: string): PoolConfig {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { $comment: _comment, ...given } = raw;
  for (const [seedName, name] of Object.entries(SEED_CONFIG_NAMES)) {
    if (!(seedName in given)) continue;
    if (name in given)
      throw new ConfigError(`${file}: ${seedName}: the same setting as ${name}; give only one of them`);
    given[name] = given[seedName];
    delete given[seedName];
  }
  const parsed = PoolConfigFile.strict().safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    // A bad setting, in one line: the start command prints it as it is and stops.
    throw new ConfigError(`${file}: ${field}: ${issue.message}`);
  }
  return parsed.data;
}

/** Loads the config file into empty tables; an existing setup (edited through the API) wins. */
export async function seedPoolSettings(prisma: PrismaClient, config: PoolConfig): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    if (await tx.poolSettings.findUnique({ where: { id: 1 } })) return false;
    await tx.poolSettings.create({
      data: {
        id: 1,
        targetHighDemand: config.targetHighDemand,
        targetLowDemand: config.targetLowDemand,
        replenishIntervalSeconds: config.replenishIntervalSeconds,
        reconcileIntervalSeconds: config.reconcileIntervalSeconds,
        createIntervalSeconds: config.createIntervalSeconds,
        throttleMode: config.throttleMode,
        catalogSyncIntervalSeconds: config.catalogSyncIntervalSeconds ?? null,
        snapshotNamePattern: config.snapshotNamePattern,
      },
    });
    const demands = [
      ...config.osHighDemand.map((os) => [os, 'high'] as const),
      ...config.osLowDemand.map((os) => [os, 'low'] as const),
    ];
    await tx.poolPolicy.createMany({
      data: config.volumeTypes.flatMap((volumeType) =>
        demands.map(([osName, demand]) => ({ volumeType, osName, demand })),
      ),
      skipDuplicates: true,
    });
    return true;
  });
}

/** The pool has no settings yet: the start command seeds them from the config file on its first start. */
export class PoolNotSetUp extends Error {
  constructor() {
    super("the pool's settings are not set up yet: the start command seeds them from config/pool.json");
    this.name = 'PoolNotSetUp';
  }
}

export async function getPoolSettings(prisma: PrismaClient) {
  const settings = await prisma.poolSettings.findUnique({ where: { id: 1 } });
  if (!settings) throw new PoolNotSetUp();
  return settings;
}

/** The stored settings in their schema's terms (the row's throttle mode is one of THROTTLE_MODES). */
export async function readPoolSettings(prisma: PrismaClient): Promise<PoolSettingsValues> {
  const { id: _id, updatedAt: _updatedAt, ...values } = await getPoolSettings(prisma);
  const throttleMode = THROTTLE_MODES.find((m) => m === values.throttleMode);
  if (!throttleMode)
    throw new Error(`pool_settings: throttle mode ${values.throttleMode} is none of ${THROTTLE_MODES}`);
  return { ...values, throttleMode };
}
