// What a finished workflow run spent its time on, read from its history (server timestamps):
// each activity (scheduled → started → closed, attempts) and each workflow task
// (scheduled → completed), each local activity (its marker: type, attempt, when it completed),
// plus timers. For benchmarks that attribute a run's latency.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

export interface ActivitySpan {
  type: string;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
  attempt: number;
  /** completed | failed | timedOut | canceled | open */
  outcome: string;
}

/** A local activity, as its marker records it (no schedule or start: it ran inside a workflow task). */
export interface LocalActivityMark {
  type: string;
  attempt: number;
  completedMs: number;
}

export interface Timeline {
  startedMs: number;
  closedMs?: number;
  activities: ActivitySpan[];
  localActivities: LocalActivityMark[];
  /** scheduled → completed of each workflow task, ms */
  workflowTaskMs: number[];
  timers: number;
}

type Ts = { seconds?: { toNumber(): number } | number | string | null; nanos?: number | null } | null | undefined;

const tsMs = (t: Ts): number => {
  if (!t) return NaN;
  const s = t.seconds;
  const seconds = typeof s === 'number' ? s : typeof s === 'string' ? Number(s) : s ? s.toNumber() : 0;
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

const key = (id: unknown) => String(id);

/** What the SDK's marker of a local activity holds (its data payload). */
interface LocalActivityMarkerData {
  activity_type?: string;
  attempt?: number;
  complete_time?: string | Ts;
}

export function timelineOf(history: History): Timeline {
  const events = history.events ?? [];
  const activities = new Map<string, ActivitySpan>();
  const taskScheduled = new Map<string, number>();
  const workflowTaskMs: number[] = [];
  const localActivities: LocalActivityMark[] = [];
  let startedMs = NaN;
  let closedMs: number | undefined;
  let timers = 0;
  const close = (scheduledEventId: unknown, at: number, outcome: string) => {
    const span = activities.get(key(scheduledEventId));
    if (span) Object.assign(span, { closedMs: at, outcome });
  };
  for (const e of events) {
    const at = tsMs(e.eventTime as Ts);
    if (e.workflowExecutionStartedEventAttributes) startedMs = at;
    if (
      e.workflowExecutionCompletedEventAttributes ||
      e.workflowExecutionFailedEventAttributes ||
      e.workflowExecutionCanceledEventAttributes
    )
      closedMs = at;
    if (e.workflowTaskScheduledEventAttributes) taskScheduled.set(key(e.eventId), at);
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) {
      const scheduled = taskScheduled.get(key(done.scheduledEventId));
      if (scheduled !== undefined) workflowTaskMs.push(at - scheduled);
    }
    if (e.timerStartedEventAttributes) timers++;
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0] : undefined;
    if (data) {
      const d = defaultPayloadConverter.fromPayload<LocalActivityMarkerData>(data);
      const completedMs = typeof d.complete_time === 'string' ? Date.parse(d.complete_time) : tsMs(d.complete_time);
      localActivities.push({ type: d.activity_type ?? '?', attempt: d.attempt ?? 1, completedMs });
    }
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      activities.set(key(e.eventId), {
        type: s.activityType?.name ?? '?',
        scheduledMs: at,
        attempt: 1,
        outcome: 'open',
      });
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const span = activities.get(key(st.scheduledEventId));
      if (span) Object.assign(span, { startedMs: at, attempt: st.attempt ?? 1 });
    }
    if (e.activityTaskCompletedEventAttributes)
      close(e.activityTaskCompletedEventAttributes.scheduledEventId, at, 'completed');
    if (e.activityTaskFailedEventAttributes) close(e.activityTaskFailedEventAttributes.scheduledEventId, at, 'failed');
    if (e.activityTaskTimedOutEventAttributes)
      close(e.activityTaskTimedOutEventAttributes.scheduledEventId, at, 'timedOut');
    if (e.activityTaskCanceledEventAttributes)
      close(e.activityTaskCanceledEventAttributes.scheduledEventId, at, 'canceled');
  }
  return { startedMs, closedMs, activities: [...activities.values()], localActivities, workflowTaskMs, timers };
}
