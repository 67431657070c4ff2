import { basename } from 'node:path';
import { nodeFs, type StoreFile, type StoreFs } from '../../chunkstore/store-fs';

/**
 * The real file system with counters: how many fdatasyncs the store made on
 * its op log and on its chunk files, so the chunk store bench can say how many
 * writes each log sync carried (group commit) without instrumenting the store.
 */
export class CountingFs implements StoreFs {
  logSyncs = 0;
  otherSyncs = 0;

  mkdirp = nodeFs.mkdirp;
  readdir = nodeFs.readdir;
  rename = nodeFs.rename;
  remove = nodeFs.remove;
  syncDir = nodeFs.syncDir;

  async open(path: string, how: 'create' | 'existing'): Promise<StoreFile> {
    const file = await nodeFs.open(path, how);
    const isLog = basename(path).startsWith('log_');
    const count = () => (isLog ? this.logSyncs++ : this.otherSyncs++);
    const [datasync, datasyncSync] = [file.datasync.bind(file), file.datasyncSync.bind(file)];
    file.datasync = () => (count(), datasync());
    file.datasyncSync = () => (count(), datasyncSync());
    return file;
  }

  /** The counters now; subtract two of these to get a measurement's share. */
  snapshot(): { logSyncs: number; otherSyncs: number } {
    return { logSyncs: this.logSyncs, otherSyncs: this.otherSyncs };
  }
}
