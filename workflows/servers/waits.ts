// The waits of a server build: for a volume to be available and for a server to be ACTIVE or
// gone, with durable timers backing off after a quick poll in an activity; and the one way the
// build waits for several steps at once.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { act, undo } from './proxies';

/** How long the workflow waits for a volume or a server, in durable-timer rounds after a quick poll. */
export const QUICK_POLL_MS = 10_000;
const VOLUME_DEADLINE_MS = 30 * 60_000;
const SERVER_DEADLINE_MS = 15 * 60_000;

/** Until the volume is available: after what was `seen`, durable timers backing off to 30 s, each followed by a
 * quick poll in an activity. */
export async function waitForVolume(volumeId: string, seen?: string): Promise<void> {
  const deadline = Date.now() + VOLUME_DEADLINE_MS;
  const look = () => act.awaitVolume({ volumeId, withinMs: QUICK_POLL_MS });
  let status = seen ?? (await look());
  for (let pause = 1_000; ; pause = Math.min(30_000, pause * 2)) {
    if (status === 'available') return;
    if (status !== 'creating' && status !== 'downloading') {
      throw ApplicationFailure.nonRetryable(
        `volume ${volumeId} went to ${status} instead of available`,
        'VolumeNotAvailable',
      );
    }
    if (Date.now() > deadline)
      throw ApplicationFailure.nonRetryable(
        `volume ${volumeId} still ${status} after 30 minutes`,
        'VolumeNotAvailable',
      );
    await sleep(pause);
    status = await look();
  }
}

/** Until the server is `until` (ERROR fails a boot), the same way. */
export async function settleServer(trustId: string, serverId: string, until: 'ACTIVE' | 'gone', seen?: ServerSeen) {
  const deadline = Date.now() + SERVER_DEADLINE_MS;
  const look = () => act.awaitServer({ trustId, serverId, until, withinMs: QUICK_POLL_MS });
  let server = seen ?? (await look());
  for (let pause = 1_000; ; pause = Math.min(30_000, pause * 2)) {
    if (server.status === until) return;
    if (server.status === 'ERROR' && until === 'ACTIVE') {
      throw ApplicationFailure.nonRetryable(
        `server ${serverId} went to ERROR: ${server.fault ?? 'no fault given'}`,
        'ServerBuildFailed',
      );
    }
    if (Date.now() > deadline)
      throw ApplicationFailure.nonRetryable(`server ${serverId} not ${until} after 15 minutes`, 'ServerTimeout');
    await sleep(pause);
    server = await look();
  }
}

interface ServerSeen {
  status: string;
  fault?: string;
}

/** Every promise settled, then the first failure thrown (so nothing is still running when it is). */
export async function allSettled<T extends readonly unknown[]>(
  ...promises: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const outcomes = await Promise.allSettled(promises);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Deletes the server and waits until it is gone (its delete_on_termination volumes go with it). */
export async function deleteServerAndWait(trustId: string, serverId: string): Promise<string> {
  await undo.requestServerDelete({ trustId, serverId });
  await settleServer(trustId, serverId, 'gone');
  return 'deleted';
}
