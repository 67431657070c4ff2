// Watches the guest writer through its serial console. The snapshot point is chosen by the
// writer's progress counter, never by a sleep; a guest that stalls is destroyed at the deadline.
import { readFile } from 'node:fs/promises';
import { waitUntil } from '../lib/wait-until';
import { releaseWriter } from './domain';
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
    return { started: false, records: 0, held: false, done: false }; // QEMU has not created the log yet
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

/** Releases the writer's hold before its last chunk, resolves when it reported "drill-done" (after its
 *  sync), then stops the domain: the guest idles from then on (drills/guest/init.sh), so a hard stop
 *  loses nothing. Idempotent. */
export async function waitForWriterDone(input: WatchWriterInput & { releaseDisk: string }): Promise<WriterSample> {
  await releaseWriter(input.releaseDisk);
  const sample = await destroyOnFailure(input.domainName, () =>
    waitUntil(
      async () => {
        // State first, log second: a guest that finishes between the two reads is then seen as done.
        const state = await domainState(input.domainName);
        const progress = await readWriterProgress(input.serialLog);
        if (progress.error) throw new Error(`guest writer failed: ${progress.error}`);
        if (progress.done) return { done: true, value: { records: progress.records, observedAt: Date.now() } };
        if (state === 'shut off' || state === 'absent')
          throw new Error(`domain stopped before the writer finished (${progress.records} records)`);
        return { done: false, state: `${progress.records} records, domain ${state}` };
      },
      {
        what: 'writer to finish',
        timeoutMs: input.timeoutMs,
        intervalMs: 200,
        onPoll: throttle(input.heartbeat),
      },
    ),
  );
  await destroyDomain(input.domainName);
  return sample;
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
