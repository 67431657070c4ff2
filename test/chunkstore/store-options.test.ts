import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStore } from '../../chunkstore/index';
import { GEOMETRY } from './replay-env';

/** A setting is stored as given or refused, never silently altered (the other options: their own suites). */
describe('DataStore.open options', () => {
  it.each([0, -1, 1.5, Number.NaN])('batchIntervalMs %s: InvalidArgError naming it, nothing created', async (value) => {
    const parent = await mkdtemp(join(tmpdir(), 'chunkstore-options-'));
    try {
      const dir = join(parent, 'store');
      const opened = DataStore.open({ dir, ...GEOMETRY, sync: 'batch', batchIntervalMs: value });
      await expect(opened).rejects.toMatchObject({
        code: 'InvalidArgError',
        message: expect.stringContaining('batchIntervalMs'),
      });
      expect(existsSync(dir)).toBe(false);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
