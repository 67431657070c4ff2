// The drill runs' reads for the dashboard, as plain functions of a Prisma client.
import type { PrismaClient } from '../prisma/client';

export const runningDrillCount = (prisma: PrismaClient) => prisma.drillRun.count({ where: { status: 'running' } });

/** The drills running now, oldest first (at most 50), with the steps they have done. */
export async function runningDrills(prisma: PrismaClient) {
  const drills = await prisma.drillRun.findMany({
    where: { status: 'running' },
    orderBy: { startedAt: 'asc' },
    take: 50,
  });
  return drills.map((d) => ({
    id: d.id,
    scenario: d.scenario,
    form: d.form,
    stepsDone: Object.keys((d.stepTimings as Record<string, number> | null) ?? {}),
    startedAt: d.startedAt.toISOString(),
  }));
}
