-- One vocabulary for the pool (targets, demand, intervals) instead of the seed's config names;
-- the create interval keeps fractions instead of truncating them to whole seconds.
ALTER TABLE "pool_settings" RENAME COLUMN "backup_nums_more" TO "target_high_demand";
ALTER TABLE "pool_settings" RENAME COLUMN "backup_nums_less" TO "target_low_demand";
ALTER TABLE "pool_settings" RENAME COLUMN "backup_frequency_seconds" TO "replenish_interval_seconds";
ALTER TABLE "pool_settings" RENAME COLUMN "check_state_frequency_seconds" TO "reconcile_interval_seconds";
ALTER TABLE "pool_settings" RENAME COLUMN "create_volume_time_interval_second" TO "create_interval_seconds";
ALTER TABLE "pool_settings" ALTER COLUMN "create_interval_seconds" SET DATA TYPE DOUBLE PRECISION;

ALTER TABLE "pool_policies" RENAME COLUMN "tier" TO "demand";
UPDATE "pool_policies" SET "demand" = CASE "demand" WHEN 'more' THEN 'high' ELSE 'low' END;
ALTER TABLE "pool_policies" RENAME COLUMN "target_count" TO "target_override";
