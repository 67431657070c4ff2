// Pool settings and policies: seeded once from the config file, then edited through the API.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PrismaClient } from '../infra/database';

export const PoolConfigFile = z.object({
  volumeTypes: z.array(z.string().min(1)).min(1),
  osMore: z.array(z.string().min(1)),
  osLess: z.array(z.string().min(1)),
  backupNumsMore: z.number().int().min(0),
  backupNumsLess: z.number().int().min(0),
  backupFrequencySeconds: z.number().int().min(1),
  checkStateFrequencySeconds: z.number().int().min(1),
  createVolumeTimeIntervalSecond: z.number().min(0),
  throttleMode: z.enum(['fixed', 'adaptive']),
  snapshotNamePattern: z.string().refine(isNamePattern, 'must be a regular expression with named groups "os" and "type"'),
});
export type PoolConfig = z.infer<typeof PoolConfigFile>;

export function isNamePattern(pattern: string): boolean {
  try {
    const re = new RegExp(pattern);
    return re.source.includes('(?<os>') && re.source.includes('(?<type>');
  } catch {
    return false;
  }
}

export function readPoolConfig(file: string): PoolConfig {
  const parsed = PoolConfigFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
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
        backupNumsMore: config.backupNumsMore,
        backupNumsLess: config.backupNumsLess,
        backupFrequencySeconds: config.backupFrequencySeconds,
        checkStateFrequencySeconds: config.checkStateFrequencySeconds,
        createVolumeTimeIntervalSecond: config.createVolumeTimeIntervalSecond,
        throttleMode: config.throttleMode,
        snapshotNamePattern: config.snapshotNamePattern,
      },
    });
    const tiers = [...config.osMore.map((os) => [os, 'more'] as const), ...config.osLess.map((os) => [os, 'less'] as const)];
    await tx.poolPolicy.createMany({
      data: config.volumeTypes.flatMap((volumeType) => tiers.map(([osName, tier]) => ({ volumeType, osName, tier }))),
      skipDuplicates: true,
    });
    return true;
  });
}

export async function getPoolSettings(prisma: PrismaClient) {
  const settings = await prisma.poolSettings.findUnique({ where: { id: 1 } });
  if (!settings) throw new Error('pool settings are missing: the start command seeds them from config/pool.json');
  return settings;
}
