// The chunk-store activities (volumes, clone, flatten) over chunk-volumes/, bound to the worker's store directory.
// Each is a plain async function with JSON input and output; the store is opened once per
// process and directory (store-registry.ts) and every store refusal fails the activity for good
// (failures.ts), while anything else is retried against the store's idempotent operations.
import { loadSettings } from '../../config/settings';
import type { DataStore } from '../../chunkstore/index';
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

export function chunkStoreActivities(deps: { chunkStoreDir?: string }) {
  // resolved at first use: a worker that never runs these needs no store directory
  const dir = () => deps.chunkStoreDir ?? loadSettings().chunkStoreDir;
  const withStore = <T>(call: (store: DataStore) => Promise<T>) =>
    classifyStoreErrors(async () => call(await openChunkStore(dir())));
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
