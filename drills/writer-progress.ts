// Watches the guest writer through its serial console. The snapshot point is chosen by the
// writer's progress counter, never by a sleep; a guest that stalls is destroyed at the deadline.
import { readFile } from 'node:fs/promises';
import { waitUntil } from '../lib/wait-until';
import { parseWriterProgress, type WriterProgress } from './serial-progress';
import { destroyDomain, domainState } from './virsh';

export interface WatchWriterInput {
  domainName: string;
  serialLog: string;
  timeoutMs: number;
  heartbeat?: (details: unknown) => void;
}

export interface WriterSample {
  records: number;
  /** Epoch ms when this progress was observed. */
  observedAt: number;
}

export async function readWriterProgress(serialLog: string): Promise<WriterProgress> {
  try {
    return parseWriterProgress(await readFile(serialLog, 'latin1'));
  } catch {
    return { started: false, records: 0, done: false }; // QEMU has not created the log yet
  }
}

/** Resolves as soon as the writer has acknowledged at least `atLeastRecords` records. */
export async function waitForWriterProgress(
  input: WatchWriterInput & { atLeastRecords: number },
): Promise<WriterSample> {
  return destroyOnFailure(input.domainName, () =>
    waitUntil(
      async () => {
        const progress = await readWriterProgress(input.serialLog);
        if (progress.error) throw new Error(`guest writer failed: ${progress.error}`);
        if (progress.records >= input.atLeastRecords)
          return { done: true, value: { records: progress.records, observedAt: Date.now() } };
        if (progress.done)
          throw new Error(`writer finished at ${progress.records} records before reaching ${input.atLeastRecords}`);
        return { done: false, state: `${progress.records} records` };
      },
      {
        what: `writer progress ≥ ${input.atLeastRecords} records`,
        timeoutMs: input.timeoutMs,
        intervalMs: 20,
        onPoll: throttle(input.heartbeat),
      },
    ),
  );
}

/** Resolves when the writer reported "drill-done" and the domain powered itself off. */
export async function waitForWriterDone(input: WatchWriterInput): Promise<WriterSample> {
  return destroyOnFailure(input.domainName, () =>
    waitUntil(
      async () => {
        // State first, log second: a guest that finishes between the two reads is then seen as done.
        const state = await domainState(input.domainName);
        const progress = await readWriterProgress(input.serialLog);
        if (progress.error) throw new Error(`guest writer failed: ${progress.error}`);
        if (progress.done && (state === 'shut off' || state === 'absent'))
          return { done: true, value: { records: progress.records, observedAt: Date.now() } };
        if (!progress.done && state === 'shut off')
          throw new Error(`domain stopped before the writer finished (${progress.records} records)`);
        return { done: false, state: `${progress.records} records, domain ${state}` };
      },
      {
        what: 'writer to finish and the domain to power off',
        timeoutMs: input.timeoutMs,
        intervalMs: 200,
        onPoll: throttle(input.heartbeat),
      },
    ),
  );
}

async function destroyOnFailure<T>(domainName: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    await destroyDomain(domainName).catch(() => undefined);
    throw error;
  }
}

/** Heartbeats at most once a second: polling is much more frequent than Temporal needs. */
function throttle(
  heartbeat: ((details: unknown) => void) | undefined,
): ((state: string | undefined) => void) | undefined {
  if (!heartbeat) return undefined;
  let last = 0;
  return (state) => {
    if (Date.now() - last < 1_000) return;
    last = Date.now();
    heartbeat({ state });
  };
}
