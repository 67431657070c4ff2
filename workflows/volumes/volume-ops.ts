// The volume operations the API asks of the worker that owns the chunk store: each is one
// activity run as a short workflow, so the API never opens the store itself (one DataStore per
// directory, held by the worker) and a retry after a worker restart is Temporal's business.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { InspectVolumeInput, VolumeView } from '../../chunk-volumes/inspect-volume';
import type { CreateSourceVolumeInput, SourceVolume } from '../../chunk-volumes/source-volume';

const { createSourceVolume, inspectVolume } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** A source volume of generated data (chunk-volumes/generated-data.ts). */
export async function createGeneratedVolume(input: CreateSourceVolumeInput): Promise<SourceVolume> {
  return createSourceVolume(input);
}

/** Per-chunk state and the SHA-256 of a volume as a reader sees it. */
export async function describeVolume(input: InspectVolumeInput): Promise<VolumeView> {
  return inspectVolume(input);
}
