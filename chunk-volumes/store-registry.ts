// One open DataStore per directory per process: DataStore.open scans the directory and removes
// leftovers of interrupted creates, so two stores on one directory in one process would trip
// over each other. Activities ask for the store of their directory; the first call opens it, the
// rest share it. The worker's owner closes them all once the worker has drained
// (closeChunkStores), so no activity is still using one.
import { resolve } from 'node:path';
import { DataStore } from '../chunkstore/index';

const stores = new Map<string, Promise<DataStore>>();

export function openChunkStore(dir: string): Promise<DataStore> {
  const key = resolve(dir);
  let store = stores.get(key);
  if (!store) {
    store = DataStore.open({ dir: key });
    // a failed open is not cached: the next activity attempt tries again
    const opening = store;
    opening.catch(() => {
      if (stores.get(key) === opening) stores.delete(key);
    });
    stores.set(key, store);
  }
  return store;
}

/** Closes every store opened in this process (waits for their running operations). */
export async function closeChunkStores(): Promise<void> {
  const open = [...stores.values()];
  stores.clear();
  await Promise.all(open.map(async (store) => (await store.catch(() => undefined))?.close()));
}
