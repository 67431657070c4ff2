-- CreateTable
CREATE TABLE "drill_runs" (
    "id" TEXT NOT NULL,
    "form" TEXT NOT NULL,
    "scenario" TEXT NOT NULL,
    "commit_mode" TEXT,
    "parameters" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "verdict" TEXT,
    "k" INTEGER,
    "n" INTEGER NOT NULL,
    "step_timings" JSONB,
    "progress" JSONB,
    "verification" JSONB,
    "failures" JSONB,
    "failure_reason" TEXT,
    "restore" JSONB,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "drill_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "drill_runs_started_at_idx" ON "drill_runs"("started_at");

