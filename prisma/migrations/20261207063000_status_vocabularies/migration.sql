-- One vocabulary per status: each column takes only the words of its const array (servers/builds.ts,
-- pool/spare-status.ts, pool/settings.ts THROTTLE_MODES, pool/admin.ts POLICY_DEMANDS,
-- drills/run-statuses.ts). Prisma does not model CHECK constraints, so the schema (and db:diff) stays as it is;
-- test/platform/migrations.test.ts tries every word of each array and one outside it.

-- A spare used to record Cinder's status as it answered the create; it records `available` or `creating` now.
UPDATE "spare_volumes" SET "status" = 'creating'
  WHERE "status" NOT IN ('creating', 'available', 'purging', 'stuck', 'deleting');

ALTER TABLE "server_builds"
  ADD CONSTRAINT "server_builds_status_check"
    CHECK ("status" IN ('building', 'active', 'failed', 'deleting', 'deleted')),
  ADD CONSTRAINT "server_builds_path_check" CHECK ("path" IN ('pool-hit', 'fallback', 'reused')),
  ADD CONSTRAINT "server_builds_stuck_reason_check"
    CHECK ("stuck_reason" IN ('undo_failed', 'delete_failed', 'run_lost', 'delete_lost'));

ALTER TABLE "system_disk_handouts"
  ADD CONSTRAINT "system_disk_handouts_path_check" CHECK ("path" IN ('pool-hit', 'fallback', 'reused'));

ALTER TABLE "spare_volumes"
  ADD CONSTRAINT "spare_volumes_status_check"
    CHECK ("status" IN ('creating', 'available', 'purging', 'stuck', 'deleting'));

ALTER TABLE "pool_policies" ADD CONSTRAINT "pool_policies_demand_check" CHECK ("demand" IN ('high', 'low'));

ALTER TABLE "pool_settings"
  ADD CONSTRAINT "pool_settings_throttle_mode_check" CHECK ("throttle_mode" IN ('fixed', 'adaptive'));

ALTER TABLE "drill_runs"
  ADD CONSTRAINT "drill_runs_status_check"
    CHECK ("status" IN ('running', 'completed', 'errored', 'cancelled', 'rejected'));
