// The chunk-store activities (volumes, clone, flatten) over chunk-volumes/, bound to the worker's store directory.
// Each is a plain async function with JSON input and output; the store is opened once per
// process and directory (store-registry.ts) and every store refusal fails the activity for good
// (failures.ts), while anything else is retried against the store's idempotent operations.
import { log } from '@temporalio/activity';
import { loadSettings } from '../../config/settings';
import { fileMappingUnavailable, type DataStore } from '../../chunkstore/index';
import {
  createCloneChunks,
  describeCloneSource,
  type CloneSourceInput,
  type CreateCloneChunksInput,
} from '../../chunk-volumes/clone-chunks';
import { flattenChunkRange, type FlattenRangeInput } from '../../chunk-volumes/flatten';
import { inspectVolume, type InspectVolumeInput } from '../../chunk-volumes/inspect-volume';
import { createSourceVolume, type CreateSourceVolumeInput } from '../../chunk-volumes/source-volume';
import { openChunkStore } from '../../chunk-volumes/store-registry';
import { activityProgress, classifyStoreErrors } from './failures';

export { closeChunkStores } from '../../chunk-volumes/store-registry';

/** Stores whose read path was logged: once per store and process, by the first activity that uses it. */
const announced = new WeakSet<DataStore>();

function announce(store: DataStore, dir: string): void {
  if (announced.has(store)) return;
  announced.add(store);
  const why = store.reads === 'pread' ? fileMappingUnavailable() : null;
  log.info('chunk store open', { dir, reads: store.reads, ...(why ? { mappedReadsUnavailable: why } : {}) });
}

export function chunkStoreActivities(deps: { chunkStoreDir?: string }) {
  // resolved at first use: a worker that never runs these needs no store directory
  const dir = () => deps.chunkStoreDir ?? loadSettings().chunkStoreDir;
  const withStore = <T>(call: (store: DataStore) => Promise<T>) =>
    classifyStoreErrors(async () => {
      const where = dir();
      const store = await openChunkStore(where);
      announce(store, where);
      return call(store);
    });
  return {
    createSourceVolume: (input: CreateSourceVolumeInput) =>
      withStore((store) => createSourceVolume(store, input, activityProgress())),
    describeCloneSource: (input: CloneSourceInput) => withStore((store) => describeCloneSource(store, input)),
    createCloneChunks: (input: CreateCloneChunksInput) =>
      withStore((store) => createCloneChunks(store, input, activityProgress())),
    flattenChunkRange: (input: FlattenRangeInput) =>
      withStore((store) => flattenChunkRange(store, input, activityProgress())),
    inspectVolume: (input: InspectVolumeInput) => withStore((store) => inspectVolume(store, input, activityProgress())),
  };
}
