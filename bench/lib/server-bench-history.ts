// What Temporal did for each build, read back from the builds' event histories after the timed
// part (so reading them costs the measurement nothing): activities, local activities, workflow
// tasks, timers.
import { median, summarize } from './stats';
import { timelineOf, type Timeline } from './workflow-timeline';
import type { Bench, Sample } from './server-bench-config';

interface ActivityStats {
  perBuild: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  retries: number;
}

interface LocalActivityStats {
  perBuild: number;
  /** When it completed, ms after the run started (median). */
  completedAfterStartMs: number;
  retries: number;
}

export type HistoryStats = Awaited<ReturnType<typeof historyStats>>;

/** Activity counts and medians, workflow tasks, from the builds' histories (read after the timed part). */
export async function historyStats(b: Bench, samples: Sample[]) {
  const timelines: Timeline[] = [];
  for (let i = 0; i < samples.length; i += 20) {
    const batch = samples.slice(i, i + 20);
    timelines.push(
      ...(await Promise.all(
        batch.map(async (s) => timelineOf(await b.c.temporal.workflow.getHandle(s.id).fetchHistory())),
      )),
    );
  }
  const byType = new Map<string, { starts: number[]; runs: number[]; count: number; retries: number }>();
  for (const t of timelines) {
    for (const a of t.activities) {
      const e = byType.get(a.type) ?? { starts: [], runs: [], count: 0, retries: 0 };
      e.count++;
      e.retries += a.attempt - 1;
      if (a.startedMs !== undefined) e.starts.push(a.startedMs - a.scheduledMs);
      if (a.startedMs !== undefined && a.closedMs !== undefined) e.runs.push(a.closedMs - a.startedMs);
      byType.set(a.type, e);
    }
  }
  const activities: Record<string, ActivityStats> = {};
  for (const [type, e] of byType) {
    activities[type] = {
      perBuild: Math.round((e.count / timelines.length) * 100) / 100,
      scheduleToStartMs: median(e.starts),
      startToCloseMs: median(e.runs),
      retries: e.retries,
    };
  }
  const locals = new Map<string, { count: number; retries: number; doneAt: number[] }>();
  for (const t of timelines) {
    for (const l of t.localActivities) {
      const e = locals.get(l.type) ?? { count: 0, retries: 0, doneAt: [] };
      e.count++;
      e.retries += l.attempt - 1;
      e.doneAt.push(l.completedMs - t.startedMs);
      locals.set(l.type, e);
    }
  }
  const localActivities: Record<string, LocalActivityStats> = {};
  for (const [type, e] of locals) {
    localActivities[type] = {
      perBuild: Math.round((e.count / timelines.length) * 100) / 100,
      completedAfterStartMs: median(e.doneAt),
      retries: e.retries,
    };
  }
  const tasks = timelines.flatMap((t) => t.workflowTaskMs);
  return {
    builds: timelines.length,
    activitiesPerBuild: median(timelines.map((t) => t.activities.length)),
    activities,
    localActivitiesPerBuild: median(timelines.map((t) => t.localActivities.length)),
    localActivities,
    workflowTasksPerBuild: median(timelines.map((t) => t.workflowTaskMs.length)),
    workflowTaskMs: summarize(tasks),
    workflowTaskMsPerBuild: median(timelines.map((t) => t.workflowTaskMs.reduce((n, x) => n + x, 0))),
    timersPerBuild: median(timelines.map((t) => t.timers)),
    workflowRunMs: median(timelines.map((t) => (t.closedMs ?? NaN) - t.startedMs)),
  };
}
