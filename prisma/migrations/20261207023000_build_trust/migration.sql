-- A build's Keystone trusts (its run's, its delete's) are recorded on its row, so the trust reaper
-- can delete those of builds that ended or never started: none stays acting for a tenant.
ALTER TABLE "server_builds" ADD COLUMN "delete_trust_id" TEXT,
ADD COLUMN "trust_id" TEXT;

-- CreateIndex
CREATE INDEX "server_builds_status_created_at_idx" ON "server_builds"("status", "created_at");
