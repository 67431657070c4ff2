import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStore, type DataStoreOptions } from '../../chunkstore/index';
import { GEOMETRY } from './replay-env';

/** A setting is stored as given or refused, never silently altered: refused with nothing created. */
const REFUSED: Array<[keyof DataStoreOptions, unknown]> = [
  ...[0, -1, 2.5, Number.NaN, '4'].map((v): [keyof DataStoreOptions, unknown] => ['checkpointSegments', v]),
  ...[0, -1, 1.5, Number.NaN].map((v): [keyof DataStoreOptions, unknown] => ['batchIntervalMs', v]),
  ...['mmap', '', 1, null].map((v): [keyof DataStoreOptions, unknown] => ['reads', v]),
];

describe('DataStore.open options', () => {
  it.each(REFUSED)('%s %s: InvalidArgError naming it, nothing created', async (option, value) => {
    const parent = await mkdtemp(join(tmpdir(), 'chunkstore-options-'));
    try {
      const dir = join(parent, 'store');
      const opened = DataStore.open({ dir, ...GEOMETRY, sync: 'batch', [option]: value });
      await expect(opened).rejects.toMatchObject({
        code: 'InvalidArgError',
        message: expect.stringContaining(option),
      });
      expect(existsSync(dir)).toBe(false);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
