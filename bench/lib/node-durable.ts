import { fdatasyncSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomIo, type LoadResult } from './closed-loop';

const BS = 4096;

/**
 * Bare Node at 1 in flight (bench/chunkstore.ts, beside the store's c1): 'pool' and 'blocking' are fio's
 * job (pwrite at a random 4 KiB offset, fdatasync in libuv's pool or on the event loop); 'storeIo' is the
 * store's I/O without the store (an 8 KiB log record appended and fdatasync'ed on the event loop, then a
 * 4 KiB page of one of the chunk files, as many as the store's: a page of one 16 MiB file ran ~25 %
 * faster here than a page of eight, the median of 11 alternating probe rounds).
 */
export type NodeMode = 'pool' | 'blocking' | 'storeIo';
export const NODE_MODES = ['pool', 'blocking', 'storeIo'] as const;

/** `mode` for `seconds` on `log` (a preallocated file of `logSize` bytes) and `chunks` (16 MiB each). */
export async function nodeDurable(
  log: FileHandle,
  chunks: readonly FileHandle[],
  mode: NodeMode,
  seconds: number,
  logSize: number,
): Promise<LoadResult> {
  const data = new Uint8Array(BS).map(() => Math.floor(Math.random() * 256));
  const record = Buffer.alloc(2 * BS, 1);
  let at = 0;
  const shape = { pattern: 'write' as const, bs: BS, files: chunks.length, fileSize: 16 * 1024 * 1024 };
  return randomIo(1, seconds, shape, async (_k, file, off) => {
    if (mode === 'storeIo') {
      writeSync(log.fd, record, 0, record.length, at);
      at = (at + record.length) % logSize;
      fdatasyncSync(log.fd);
      writeSync(chunks[file]!.fd, data, 0, BS, off);
    } else {
      writeSync(log.fd, data, 0, BS, off);
      if (mode === 'blocking') fdatasyncSync(log.fd);
      else await log.datasync();
    }
  });
}
