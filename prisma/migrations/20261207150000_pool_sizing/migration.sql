-- Issue 23: demand-aware targets. A policy says how its kind's target is set (static, forecastOnly,
-- forecastAndScale) and the bounds a forecast-set target keeps; pool_demand records every system-disk
-- request (hit or fallback), the history a forecast is made from; pool_targets holds each kind's latest
-- decision and why.
ALTER TABLE "pool_policies" ADD COLUMN "sizing" TEXT NOT NULL DEFAULT 'static',
ADD COLUMN "target_floor" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "target_ceiling" INTEGER;

-- CreateTable
CREATE TABLE "pool_demand" (
    "build_id" TEXT NOT NULL,
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hit" BOOLEAN NOT NULL,

    CONSTRAINT "pool_demand_pkey" PRIMARY KEY ("build_id")
);

-- CreateTable
CREATE TABLE "pool_targets" (
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "target" INTEGER NOT NULL,
    "forecast_per_hour" DOUBLE PRECISION NOT NULL,
    "seasonal_per_hour" DOUBLE PRECISION,
    "recent_per_hour" DOUBLE PRECISION NOT NULL,
    "lead_time_seconds" DOUBLE PRECISION NOT NULL,
    "burst_until" TIMESTAMP(3),
    "reason" TEXT NOT NULL,
    "decided_at" TIMESTAMP(3) NOT NULL,
    "target_since" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pool_targets_pkey" PRIMARY KEY ("volume_type","os_name")
);

-- CreateIndex
CREATE INDEX "pool_demand_volume_type_os_name_at_idx" ON "pool_demand"("volume_type", "os_name", "at");

-- The demand so far: the handouts already recorded (a build that failed before its handout is not known).
INSERT INTO "pool_demand" ("build_id", "volume_type", "os_name", "at", "hit")
  SELECT "build_id", "volume_type", "os_name", "handed_over_at", "path" = 'pool-hit' FROM "system_disk_handouts";

-- The vocabulary and bounds (Prisma does not model CHECK constraints; see status_vocabularies).
ALTER TABLE "pool_policies"
  ADD CONSTRAINT "pool_policies_sizing_check" CHECK ("sizing" IN ('static', 'forecastOnly', 'forecastAndScale')),
  ADD CONSTRAINT "pool_policies_target_floor_check" CHECK ("target_floor" BETWEEN 0 AND 1000),
  ADD CONSTRAINT "pool_policies_target_ceiling_check"
    CHECK ("target_ceiling" IS NULL OR ("target_ceiling" BETWEEN 0 AND 1000 AND "target_ceiling" >= "target_floor"));
