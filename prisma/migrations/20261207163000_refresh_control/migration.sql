-- Issue 23: an operator pauses, resumes or cancels a kind's rolling refresh: two more states.
ALTER TABLE "pool_refreshes" DROP CONSTRAINT "pool_refreshes_state_check";
ALTER TABLE "pool_refreshes" ADD CONSTRAINT "pool_refreshes_state_check"
  CHECK ("state" IN ('running', 'paused', 'done', 'rolled_back', 'cancelled'));
