-- CreateTable
CREATE TABLE "server_builds" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "name" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "volume_type" TEXT NOT NULL,
    "flavor_id" TEXT NOT NULL,
    "swap_gb" INTEGER NOT NULL,
    "data_gb" INTEGER NOT NULL,
    "network_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "path" TEXT,
    "step" TEXT NOT NULL,
    "step_timings" JSONB NOT NULL DEFAULT '{}',
    "server_id" TEXT,
    "system_volume_id" TEXT,
    "swap_volume_id" TEXT,
    "data_volume_id" TEXT,
    "address" TEXT,
    "failure_reason" TEXT,
    "compensation" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "server_builds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_disk_handouts" (
    "build_id" TEXT NOT NULL,
    "volume_id" TEXT NOT NULL,
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "handover_ms" INTEGER NOT NULL,
    "handed_over_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_disk_handouts_pkey" PRIMARY KEY ("build_id")
);

-- CreateTable
CREATE TABLE "managed_networks" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "cidr" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "managed_networks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fixed_ips" (
    "network_id" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "reserved" BOOLEAN NOT NULL DEFAULT false,
    "allocated" BOOLEAN NOT NULL DEFAULT false,
    "allocated_to" TEXT,
    "allocated_at" TIMESTAMP(3),

    CONSTRAINT "fixed_ips_pkey" PRIMARY KEY ("network_id","address")
);

-- CreateIndex
CREATE INDEX "server_builds_project_id_created_at_idx" ON "server_builds"("project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "server_builds_project_id_idempotency_key_key" ON "server_builds"("project_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "system_disk_handouts_volume_type_os_name_handed_over_at_idx" ON "system_disk_handouts"("volume_type", "os_name", "handed_over_at");

-- CreateIndex
CREATE INDEX "fixed_ips_network_id_allocated_reserved_idx" ON "fixed_ips"("network_id", "allocated", "reserved");

-- CreateIndex
CREATE INDEX "fixed_ips_allocated_to_idx" ON "fixed_ips"("allocated_to");

