import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINDING_PATH } from '../../chunkstore/file-mapping';
import { makeGeometry } from '../../chunkstore/geometry';
import { PagedFile } from '../../chunkstore/paged-file';
import { nodeFs } from '../../chunkstore/store-fs';
import { SyncIoPolicy } from '../../chunkstore/sync-io-policy';
import { waitUntil } from '../../lib/wait-until';
import { nodeChildOutcome } from './helpers';

/**
 * A page the disk cannot read, under a mapped read (FORMAT.md "Mapped reads"): this kernel has no device-mapper,
 * so the failing disk is a FUSE file system (eio-fs.c, compiled here; fuse3 and libfuse3-dev from
 * scripts/apt-packages.d/fuse.txt) whose file fails reads of its last 32 KiB with EIO. Touched through a mapping,
 * such a page raises SIGBUS; the store's read must fail with EIO as `pread`'s would, and the process live on.
 */

const GEOMETRY = makeGeometry({ chunkSize: 64 * 1024, pageSize: 4096, metaPageSize: 4096 });
const BAD_DATA_OFFSET = 32 * 1024; // data offset of the first page that fails
let work: string;
let mountpoint: string;
let fs: ChildProcess;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chunkstore-eio-'));
  mountpoint = join(work, 'mnt');
  await mkdir(mountpoint);
  const binary = join(work, 'eio-fs');
  const source = join(process.cwd(), 'test/chunkstore/eio-fs.c');
  execFileSync('gcc', ['-O2', '-Wall', '-o', binary, source, '-I/usr/include/fuse3', '-lfuse3', '-lpthread']);
  fs = spawn(binary, ['-f', mountpoint], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitUntil(() => ({ done: existsSync(join(mountpoint, 'disk')) }), {
    timeoutMs: 10_000,
    what: 'the FUSE mount',
  });
});

afterAll(async () => {
  if (existsSync(join(mountpoint, 'disk'))) execFileSync('fusermount3', ['-u', mountpoint]);
  if (fs.exitCode === null) fs.kill('SIGTERM'); // by its PID; it unmounts itself on SIGTERM
  await rm(work, { recursive: true, force: true });
});

const mappingsOf = async (path: string) =>
  (await readFile('/proc/self/maps', 'utf8')).split('\n').filter((line) => line.endsWith(path));

/** A read that may throw synchronously (PagedFile's synchronous path), as a promise. */
const read = (file: PagedFile, offset: number, target: Uint8Array) =>
  Promise.resolve().then(() => file.readDataInto(offset, target));

describe('mapped reads on a disk that fails', () => {
  it('a page the disk cannot read fails its read with EIO, as pread does; pread reads the file after', async () => {
    const path = join(mountpoint, 'disk');
    expect(statSync(path).size).toBe(GEOMETRY.metaPageSize + GEOMETRY.chunkSize);
    const file = new PagedFile(
      path,
      await nodeFs.open(path, 'existing'),
      GEOMETRY,
      new SyncIoPolicy(65536, () => 1),
      true,
    );
    try {
      const page = new Uint8Array(GEOMETRY.pageSize);
      await read(file, 0, page);
      expect(page).toEqual(new Uint8Array(GEOMETRY.pageSize).fill(7));
      expect(await mappingsOf(path)).toHaveLength(1); // that read went through the mapping

      await expect(read(file, BAD_DATA_OFFSET, page)).rejects.toMatchObject({ code: 'EIO' });
      expect(await mappingsOf(path)).toEqual([]); // the SIGBUS was caught, the mapping ended

      await read(file, GEOMETRY.pageSize, page); // the good pages still read, through pread now
      expect(page).toEqual(new Uint8Array(GEOMETRY.pageSize).fill(7));
      await expect(read(file, BAD_DATA_OFFSET + GEOMETRY.pageSize, page)).rejects.toMatchObject({ code: 'EIO' });
    } finally {
      await file.close();
    }
  });

  it('control: the same page touched through a mapping without the guarded copy ends a process with SIGBUS', () => {
    const path = join(mountpoint, 'disk');
    const bad = GEOMETRY.metaPageSize + BAD_DATA_OFFSET;
    const script = `
      const fs = require('node:fs'); const b = require(${JSON.stringify(BINDING_PATH)});
      const mapped = b.map(fs.openSync(${JSON.stringify(path)}, 'r'), ${GEOMETRY.metaPageSize + GEOMETRY.chunkSize});
      process.stdout.write('guarded copy: ' + b.copy(mapped, ${bad}, new Uint8Array(4096)) + '\\n');
      new Uint8Array(mapped)[${bad}];`;
    expect(nodeChildOutcome(script)).toEqual({ signal: 'SIGBUS', stdout: 'guarded copy: false\n' });
  });
});
