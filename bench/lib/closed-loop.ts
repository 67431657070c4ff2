/**
 * Closed-loop load: `callers` concurrent async loops, each issuing its next
 * operation when the previous one finished, until `seconds` elapsed or
 * `maxOps` operations were issued. The operation returns the bytes it moved.
 */

export interface LoadResult {
  readonly iops: number;
  readonly bytesPerSec: number;
  readonly ios: number;
  readonly seconds: number;
}

export async function closedLoop(
  callers: number,
  limits: { seconds: number; maxOps?: number },
  op: (caller: number) => Promise<number>,
): Promise<LoadResult> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(limits.seconds * 1e9));
  let issued = 0;
  let completed = 0;
  let bytes = 0;
  const loop = async (caller: number) => {
    while (process.hrtime.bigint() < deadline && issued < (limits.maxOps ?? Infinity)) {
      issued++;
      const moved = await op(caller); // not `bytes += await …`: that reads `bytes` before the await
      bytes += moved;
      completed++;
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, i) => loop(i)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { iops: completed / seconds, bytesPerSec: bytes / seconds, ios: completed, seconds };
}

export type Pattern = 'write' | 'read' | 'mixed';

/**
 * Closed-loop random I/O of `bs` bytes at bs-aligned offsets over `files`
 * files of `fileSize` bytes: all writes, all reads, or 50/50 (fio's
 * randwrite / randread / randrw with rwmixread=50).
 */
export function randomIo(
  callers: number,
  seconds: number,
  shape: { pattern: Pattern; bs: number; files: number; fileSize: number },
  io: (kind: 'read' | 'write', file: number, offset: number, caller: number) => Promise<unknown>,
): Promise<LoadResult> {
  const slots = shape.fileSize / shape.bs;
  return closedLoop(callers, { seconds }, async (caller) => {
    const write = shape.pattern === 'write' || (shape.pattern === 'mixed' && Math.random() < 0.5);
    await io(
      write ? 'write' : 'read',
      Math.floor(Math.random() * shape.files),
      Math.floor(Math.random() * slots) * shape.bs,
      caller,
    );
    return shape.bs;
  });
}
