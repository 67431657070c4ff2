-- Issue 23: the catalog watch's interval (the pool-catalog-sync schedule); null: no watch, the catalog
-- follows Cinder only when an operator asks (POST /v1/pool/catalog/sync), as before.
ALTER TABLE "pool_settings" ADD COLUMN "catalog_sync_interval_seconds" INTEGER;

ALTER TABLE "pool_settings" ADD CONSTRAINT "pool_settings_catalog_sync_interval_seconds_check"
  CHECK ("catalog_sync_interval_seconds" IS NULL OR "catalog_sync_interval_seconds" BETWEEN 1 AND 604800);
