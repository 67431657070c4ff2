// What runs now, for the dashboard: server builds and drills (servers/reads.ts, drills/reads.ts) and
// clones, from Temporal's visibility (a clone has no row of its own).
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../../prisma/client';
import { runningDrillCount, runningDrills } from '../../../drills/reads';
import { runningBuildCount, runningBuilds, stuckBuildCount } from '../../../servers/reads';

/** Memo `progress` of a running clone (clone-progress.ts), kept to what the dashboard shows. */
interface CloneMemo {
  phase?: string;
  percent?: number;
}

/**
 * What runs now. Without the operator's credentials only how many: build ids and names are the
 * tenants' (and an id is what a decoy volume would need), drills and clones the operator's.
 */
export async function inFlight(prisma: PrismaClient, temporal: Client, operator: boolean) {
  const stuckBuilds = await stuckBuildCount(prisma);
  if (!operator) {
    const [builds, drills, clones] = await Promise.all([
      runningBuildCount(prisma),
      runningDrillCount(prisma),
      runningClones(temporal).then((c) => c.length),
    ]);
    return { builds: [], drills: [], clones: [], hidden: { builds, drills, clones }, stuckBuilds };
  }
  const [builds, drills, clones] = await Promise.all([
    runningBuilds(prisma),
    runningDrills(prisma),
    runningClones(temporal),
  ]);
  return { builds, drills, clones, hidden: { builds: 0, drills: 0, clones: 0 }, stuckBuilds };
}

async function runningClones(temporal: Client) {
  const out: { workflowId: string; phase: string | null; percent: number | null; startedAt: string }[] = [];
  const list = temporal.workflow.list({ query: `WorkflowType = 'cloneVolume' AND ExecutionStatus = 'Running'` });
  for await (const w of list) {
    const progress = w.memo?.progress as CloneMemo | undefined;
    out.push({
      workflowId: w.workflowId,
      phase: progress?.phase ?? null,
      percent: progress?.percent ?? null,
      startedAt: w.startTime.toISOString(),
    });
    if (out.length >= 50) break;
  }
  return out;
}
