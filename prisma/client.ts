// Prisma 7 client over node-postgres (driver adapter): no native query engine needed.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

/**
 * Connections per process: a worker runs server builds' steps as local activities, many builds at
 * once, each a few short statements and transactions; node-postgres' default of 10 queued them
 * past Prisma's 2 s wait for a transaction at 100 builds in flight.
 */
const POOL_SIZE = 25;

export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: POOL_SIZE }) });
}

export type { PrismaClient };
export { Prisma } from '../generated/prisma/client';
