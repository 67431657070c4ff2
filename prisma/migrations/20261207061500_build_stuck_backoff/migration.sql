-- A stuck build's retries back off (1, 2, 4 … minutes, at most an hour): how many the reaper has
-- started, and when it may start the next (null: at its next pass), shown in GET /v1/servers' `stuck`.
ALTER TABLE "server_builds" ADD COLUMN "stuck_retries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "stuck_retry_at" TIMESTAMP(3);
