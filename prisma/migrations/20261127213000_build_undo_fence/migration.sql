-- A build's compensation fences it first: from then on no claim or address is granted to it
-- (a step still running somewhere, e.g. a local activity of a workflow task that failed, finds
-- the fence and gives up), so what the undo released cannot be taken again behind its back.
ALTER TABLE "server_builds" ADD COLUMN "undo_started_at" TIMESTAMP(3);
