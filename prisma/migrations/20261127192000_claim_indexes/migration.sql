-- Claims at scale: the claimant lookup (idempotency) without a table scan, and the pick of the
-- oldest available spare of a kind straight from an index in claim order (a partial index: only
-- claimable rows), instead of sorting every available row of the kind on each claim.
CREATE INDEX "spare_volumes_claimed_by_idx" ON "spare_volumes"("claimed_by");
CREATE INDEX "spare_volumes_claimable_idx" ON "spare_volumes"("volume_type", "os_name", "created_at", "id")
  WHERE "status" = 'available' AND "allocated" = false AND "volume_id" IS NOT NULL;
