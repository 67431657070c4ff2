-- A build whose undo or delete gave up (or whose run ended without recording its end) is marked
-- stuck, keeping its trust, so the reaper retries it and GET /v1/servers, /metrics and the
-- dashboard show it until nothing of it is left.
ALTER TABLE "server_builds" ADD COLUMN "stuck_reason" TEXT,
ADD COLUMN "stuck_since" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "server_builds_stuck_since_idx" ON "server_builds"("stuck_since");
