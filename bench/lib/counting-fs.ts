import { basename } from 'node:path';
import { LogSegment } from '../../chunkstore/log-segment';
import { nodeFs, type StoreFile, type StoreFs } from '../../chunkstore/store-fs';

/**
 * The real file system with counters: how many fdatasyncs the store made on
 * its op log and on its chunk files, and how long the log's took, so the chunk store bench can say how
 * many writes each log sync carried and how busy the log kept the device (group commit) without
 * instrumenting the store.
 */
export class CountingFs implements StoreFs {
  logSyncs = 0;
  otherSyncs = 0;
  /** time spent in the log's fdatasyncs: group commit keeps it near the measurement's whole time */
  logSyncMs = 0;

  backgroundWriter = nodeFs.backgroundWriter;
  mkdirp = nodeFs.mkdirp;
  readdir = nodeFs.readdir;
  rename = nodeFs.rename;
  remove = nodeFs.remove;
  syncDir = nodeFs.syncDir;

  async open(path: string, how: 'create' | 'existing'): Promise<StoreFile> {
    const file = await nodeFs.open(path, how);
    // A log segment (opened as log_<n>.tmp when new): not log_checkpoint, whose syncs are the checkpoint's.
    const isLog = LogSegment.indexOf(basename(path).replace(/\.tmp$/, '')) !== null;
    const count = () => (isLog ? this.logSyncs++ : this.otherSyncs++);
    const took = (since: number) => {
      if (isLog) this.logSyncMs += performance.now() - since;
    };
    const [datasync, datasyncSync] = [file.datasync.bind(file), file.datasyncSync.bind(file)];
    file.datasync = () => {
      count();
      const since = performance.now();
      return datasync().finally(() => took(since)); // to when the event loop learns of it
    };
    file.datasyncSync = () => {
      count();
      const since = performance.now();
      datasyncSync();
      took(since);
    };
    return file;
  }

  /** The counters now; subtract two of these to get a measurement's share. */
  snapshot(): { logSyncs: number; otherSyncs: number; logSyncMs: number } {
    return { logSyncs: this.logSyncs, otherSyncs: this.otherSyncs, logSyncMs: this.logSyncMs };
  }
}
