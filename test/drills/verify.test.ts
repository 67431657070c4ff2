import { describe, expect, it } from 'vitest';
import { RECORD_BYTES, buildChunk, chunkCount, formatRecord } from '../../drills/records';
import { verifyRecords } from '../../drills/verify';

const N = 1000;
const IMAGE_BYTES = 64 * 1024;

/** An image holding records 1..written of a run of N, zeros after. */
function imageWith(written: number, size = IMAGE_BYTES): Buffer {
  const image = Buffer.alloc(size);
  for (let c = 0; c < chunkCount(written); c++) buildChunk(c, written).copy(image, c * 4096);
  return image;
}

const slotOffset = (record: number) => (record - 1) * RECORD_BYTES;

describe('record format', () => {
  it('is 16 bytes, zero padded, newline terminated', () => {
    expect(formatRecord(42)).toBe('000000000000042\n');
    expect(Buffer.byteLength(formatRecord(1))).toBe(RECORD_BYTES);
  });
});

describe('verifyRecords — complete chain', () => {
  it('accepts records 1..N followed by zeros', () => {
    expect(verifyRecords(imageWith(N), { records: N, mode: 'complete' })).toMatchObject({ ok: true, k: N });
  });

  it('names a torn record', () => {
    const image = imageWith(N);
    image.write('00000000\0\0\0\0\0\0\0\0', slotOffset(517), 'latin1');
    const verdict = verifyRecords(image, { records: N, mode: 'complete' });
    expect(verdict).toMatchObject({ ok: false, firstBadRecord: 517, k: 516 });
    expect(verdict.reason).toMatch(/torn record 517/);
  });

  it('names the first record of a gap', () => {
    const image = imageWith(N);
    image.fill(0, slotOffset(300), slotOffset(310));
    const verdict = verifyRecords(image, { records: N, mode: 'complete' });
    expect(verdict).toMatchObject({ ok: false, firstBadRecord: 300 });
    expect(verdict.reason).toMatch(/gap/);
  });

  it('names a record out of order', () => {
    const image = imageWith(N);
    image.write(formatRecord(900), slotOffset(800), 'latin1');
    const verdict = verifyRecords(image, { records: N, mode: 'complete' });
    expect(verdict).toMatchObject({ ok: false, firstBadRecord: 800 });
    expect(verdict.reason).toMatch(/out of order.*900/);
  });

  it('fails a short image at the first record past its end', () => {
    const verdict = verifyRecords(imageWith(N).subarray(0, slotOffset(700) + 5), { records: N, mode: 'complete' });
    expect(verdict).toMatchObject({ ok: false, firstBadRecord: 700 });
    expect(verdict.reason).toMatch(/short image/);
  });

  it('fails trailing garbage after the last record', () => {
    const image = imageWith(N);
    image[40_000] = 0x41;
    const verdict = verifyRecords(image, { records: N, mode: 'complete' });
    expect(verdict).toMatchObject({ ok: false, k: N, firstBadRecord: Math.floor(40_000 / RECORD_BYTES) + 1 });
    expect(verdict.reason).toMatch(/trailing data/);
  });
});

describe('verifyRecords — old layer prefix', () => {
  it('accepts a clean prefix and reports k', () => {
    expect(verifyRecords(imageWith(512), { records: N, mode: 'prefix' })).toMatchObject({ ok: true, k: 512 });
  });

  it('accepts an empty prefix (snapshot before the first write)', () => {
    expect(verifyRecords(imageWith(0), { records: N, mode: 'prefix' })).toMatchObject({ ok: true, k: 0 });
  });

  it('fails a torn record at the end of the prefix', () => {
    const image = imageWith(512);
    image.write('0000000000005', slotOffset(513), 'latin1');
    const verdict = verifyRecords(image, { records: N, mode: 'prefix' });
    expect(verdict).toMatchObject({ ok: false, k: 512, firstBadRecord: 513 });
    expect(verdict.reason).toMatch(/torn record 513/);
  });

  it('fails data after a gap (the prefix is not point-in-time)', () => {
    const image = imageWith(768);
    image.fill(0, slotOffset(257), slotOffset(513));
    const verdict = verifyRecords(image, { records: N, mode: 'prefix' });
    expect(verdict).toMatchObject({ ok: false, k: 256, firstBadRecord: 513 });
  });

  it('fails trailing garbage far after the prefix', () => {
    const image = imageWith(256);
    image[IMAGE_BYTES - 1] = 0xff;
    expect(verifyRecords(image, { records: N, mode: 'prefix' })).toMatchObject({
      ok: false,
      k: 256,
      firstBadRecord: IMAGE_BYTES / RECORD_BYTES,
    });
  });

  it('fails a prefix longer than N', () => {
    const verdict = verifyRecords(imageWith(N + 10), { records: N, mode: 'prefix' });
    expect(verdict).toMatchObject({ ok: false, k: N, firstBadRecord: N + 1 });
  });
});
