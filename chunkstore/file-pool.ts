import { join } from 'node:path';
import type { Geometry } from './geometry';
import { encodeMetaPage, type MetaPage } from './metapage';
import { PagedFile } from './paged-file';
import type { StoreFs } from './store-fs';
import type { SyncIoPolicy } from './sync-io-policy';

/** File names of FORMAT.md "File names". */
export function chunkFileName(id: number): string {
  return `chunk_${id}`;
}

export function snapshotFileName(id: number, sn: number): string {
  return `chunk_${id}_snap_${sn}`;
}

const TMP_SUFFIX = '.tmp';
const NAME_RE = /^chunk_(0|[1-9]\d*)(?:_snap_(0|[1-9]\d*))?$/;

export type ParsedName = { kind: 'chunk'; id: number } | { kind: 'snapshot'; id: number; sn: number } | { kind: 'tmp' };

/** Classifies a directory entry; null for names the store does not own. */
export function parseFileName(name: string): ParsedName | null {
  if (name.endsWith(TMP_SUFFIX) && NAME_RE.test(name.slice(0, -TMP_SUFFIX.length))) return { kind: 'tmp' };
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id)) return null;
  if (m[2] === undefined) return { kind: 'chunk', id };
  const sn = Number(m[2]);
  return Number.isSafeInteger(sn) ? { kind: 'snapshot', id, sn } : null;
}

/**
 * Creates and removes the store's files. Curve's FilePool hands out
 * pre-formatted files by rename; formatting here is a sparse truncate, so
 * files are made on demand, keeping the same contract: a file appears under
 * its final name only complete, with a valid metapage, and the directory
 * entry change is durable before the caller goes on.
 */
export class FilePool {
  constructor(
    readonly dir: string,
    private readonly geometry: Geometry,
    private readonly io: SyncIoPolicy,
    readonly fs: StoreFs,
    /** data reads copy out of a mapping of the file (PagedFile, DataStoreOptions.reads) */
    private readonly mapReads: boolean,
  ) {}

  pathOf(name: string): string {
    return join(this.dir, name);
  }

  /** Entries of the directory, as parsed names (unknown names dropped). */
  async scan(): Promise<Array<{ name: string; parsed: ParsedName }>> {
    const names = await this.fs.readdir(this.dir);
    return names.flatMap((name) => {
      const parsed = parseFileName(name);
      return parsed ? [{ name, parsed }] : [];
    });
  }

  /**
   * Creates `name` with `meta` as its metapage and returns it opened.
   * Written as `<name>.tmp`, fsynced, renamed, then the directory fsynced, so
   * a crash leaves either no file or a complete one (plus a .tmp that open()
   * removes).
   */
  async create(name: string, meta: MetaPage): Promise<PagedFile> {
    const finalPath = this.pathOf(name);
    const tmpPath = finalPath + TMP_SUFFIX;
    await this.fs.remove(tmpPath);
    const handle = await this.fs.open(tmpPath, 'create');
    try {
      await handle.write(encodeMetaPage(meta, this.geometry), 0, this.geometry.metaPageSize, 0);
      await handle.truncate(this.geometry.metaPageSize + this.geometry.chunkSize);
      await handle.sync();
      await this.fs.rename(tmpPath, finalPath);
      await this.syncDir();
    } catch (err) {
      await handle.close();
      await this.fs.remove(tmpPath);
      throw err;
    }
    return new PagedFile(finalPath, handle, this.geometry, this.io, this.mapReads);
  }

  /** Opens an existing file of the store for positional read/write. */
  async openExisting(name: string): Promise<PagedFile> {
    const path = this.pathOf(name);
    return new PagedFile(path, await this.fs.open(path, 'existing'), this.geometry, this.io, this.mapReads);
  }

  /** Unlinks `name` (missing is fine) and makes the unlink durable. */
  async remove(name: string): Promise<void> {
    await this.fs.remove(this.pathOf(name));
    await this.syncDir();
  }

  /** fsync of the directory: makes creates, renames and unlinks durable. */
  syncDir(): Promise<void> {
    return this.fs.syncDir(this.dir);
  }
}
