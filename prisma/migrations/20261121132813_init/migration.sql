-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "spare_volumes" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "volume_id" TEXT,
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "allocated" BOOLEAN NOT NULL DEFAULT false,
    "claimed_by" TEXT,
    "claimed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "spare_volumes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "os_images" (
    "os_name" TEXT NOT NULL,
    "volume_type" TEXT NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "snapshot_name" TEXT NOT NULL,
    "size_gb" INTEGER NOT NULL,
    "synced_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "os_images_pkey" PRIMARY KEY ("os_name","volume_type")
);

-- CreateTable
CREATE TABLE "pool_policies" (
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "target_count" INTEGER,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pool_policies_pkey" PRIMARY KEY ("volume_type","os_name")
);

-- CreateTable
CREATE TABLE "pool_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "backup_nums_more" INTEGER NOT NULL,
    "backup_nums_less" INTEGER NOT NULL,
    "backup_frequency_seconds" INTEGER NOT NULL,
    "check_state_frequency_seconds" INTEGER NOT NULL,
    "create_volume_time_interval_second" INTEGER NOT NULL,
    "throttle_mode" TEXT NOT NULL DEFAULT 'fixed',
    "snapshot_name_pattern" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pool_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pool_rounds" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "created" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "dropped" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB,

    CONSTRAINT "pool_rounds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "spare_volumes_name_key" ON "spare_volumes"("name");

-- CreateIndex
CREATE UNIQUE INDEX "spare_volumes_volume_id_key" ON "spare_volumes"("volume_id");

-- CreateIndex
CREATE INDEX "spare_volumes_volume_type_os_name_status_allocated_idx" ON "spare_volumes"("volume_type", "os_name", "status", "allocated");

-- CreateIndex
CREATE INDEX "pool_rounds_kind_started_at_idx" ON "pool_rounds"("kind", "started_at");

