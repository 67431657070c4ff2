/**
 * One caller issuing random `bs`-aligned I/O back to back, awaiting each, with as little of its own work
 * per op as fio's C loop (two Math.random, a clock read every 256 ops). closed-loop.ts's randomIo costs
 * ~0.4 µs more per op (a BigInt clock read, two nested async frames): a fifth of a 4 KiB page-cache read,
 * which counted against the store in the read row though fio's loop has no such cost.
 */
export async function tightRandomIo(
  seconds: number,
  shape: { bs: number; files: number; fileSize: number },
  io: (file: number, offset: number) => Promise<unknown>,
): Promise<{ iops: number; ios: number; seconds: number }> {
  const slots = shape.fileSize / shape.bs;
  const start = performance.now();
  const end = start + seconds * 1000;
  let ios = 0;
  while ((ios & 255) !== 0 || performance.now() < end) {
    await io(Math.floor(Math.random() * shape.files), Math.floor(Math.random() * slots) * shape.bs);
    ios++;
  }
  const took = (performance.now() - start) / 1000;
  return { iops: ios / took, ios, seconds: took };
}
