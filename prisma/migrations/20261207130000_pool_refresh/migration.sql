-- Issue 23: a rolling image refresh per kind. The policy says how a replaced snapshot's spares go
-- (rolling, the default, or immediate: seed 001's purge) and the floor a rolling refresh keeps;
-- pool_refreshes holds each kind's latest refresh (its history is in pool_rounds).
ALTER TABLE "pool_policies" ADD COLUMN "refresh" TEXT NOT NULL DEFAULT 'rolling',
ADD COLUMN "min_healthy_percent" INTEGER NOT NULL DEFAULT 100;

-- CreateTable
CREATE TABLE "pool_refreshes" (
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "pool_refreshes_pkey" PRIMARY KEY ("volume_type","os_name")
);

-- The vocabularies and bounds (Prisma does not model CHECK constraints; see status_vocabularies).
ALTER TABLE "pool_policies"
  ADD CONSTRAINT "pool_policies_refresh_check" CHECK ("refresh" IN ('rolling', 'immediate')),
  ADD CONSTRAINT "pool_policies_min_healthy_percent_check" CHECK ("min_healthy_percent" BETWEEN 0 AND 100);

ALTER TABLE "pool_refreshes"
  ADD CONSTRAINT "pool_refreshes_state_check" CHECK ("state" IN ('running', 'done', 'rolled_back'));
