-- The pool's history, for /metrics and the dashboard: every change of a spare's status or claim,
-- written by a trigger so that every path that touches spare_volumes (creates, reconcile, claims,
-- purges, hand-overs) is recorded without each of them having to remember it. Levels over time are
-- running sums of these events; a create's latency is the age of the spare when it turned available.
CREATE TABLE "spare_volume_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "spare_id" INTEGER NOT NULL,
    "volume_type" TEXT NOT NULL,
    "os_name" TEXT NOT NULL,
    "old_status" TEXT,
    "new_status" TEXT,
    "old_allocated" BOOLEAN,
    "new_allocated" BOOLEAN,
    "age_ms" INTEGER NOT NULL,

    CONSTRAINT "spare_volume_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "spare_volume_events_at_idx" ON "spare_volume_events"("at");

-- Times in UTC like Prisma's (timestamp without time zone), whatever the session's TimeZone.
CREATE FUNCTION spare_volume_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t TIMESTAMP(3) := clock_timestamp() AT TIME ZONE 'UTC';
  r RECORD;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status
     AND OLD.allocated IS NOT DISTINCT FROM NEW.allocated THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO spare_volume_events (at, spare_id, volume_type, os_name, old_status, new_status,
                                   old_allocated, new_allocated, age_ms)
  VALUES (t, r.id, r.volume_type, r.os_name,
          CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.status END,
          CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.status END,
          CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.allocated END,
          CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.allocated END,
          GREATEST(0, LEAST(2147483647, (EXTRACT(EPOCH FROM (t - r.created_at)) * 1000)::BIGINT)));
  RETURN NULL;
END $$;

CREATE TRIGGER spare_volume_events AFTER INSERT OR UPDATE OF status, allocated OR DELETE ON spare_volumes
  FOR EACH ROW EXECUTE FUNCTION spare_volume_event();

-- The spares already there, as if just inserted: the running sums start from today's pool.
INSERT INTO spare_volume_events (at, spare_id, volume_type, os_name, new_status, new_allocated, age_ms)
  SELECT created_at, id, volume_type, os_name, status, allocated, 0 FROM spare_volumes;
