-- A bound on how long a replenish round waits for one create (null = derived from what the round saw).
ALTER TABLE "pool_settings" ADD COLUMN "create_deadline_seconds" INTEGER;
