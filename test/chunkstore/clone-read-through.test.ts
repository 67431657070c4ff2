import { describe, expect, it } from 'vitest';
import { ChunkStoreError } from '../../chunkstore/index';
import { pageRuns, readThrough } from '../../chunk-volumes/read-through';
import { VolumeRefusal } from '../../chunk-volumes/progress';
import { classifyStoreErrors } from '../../activities/volumes/failures';
import { chunkIdOf, cloneLocation, parseCloneLocation } from '../../chunk-volumes/volume-layout';
import { CHUNK, PAGE, PAGES, pages, useEnv } from './helpers';

/**
 * The clone read path of the platform (chunk-volumes/): a clone chunk's pages it holds
 * come from it, the others from the chunk its location names, at that version, recursively.
 */

const ctx = useEnv();
const id = (volume: string) => chunkIdOf(volume, 0);

describe('volume layout', () => {
  it('derives distinct chunk ids below 2^53 per (volume, index) and round-trips locations', () => {
    const ids = new Set(['a', 'b', 'src-a', 'clone-a'].flatMap((v) => [0, 1, 65535].map((i) => chunkIdOf(v, i))));
    expect(ids.size).toBe(12);
    for (const x of ids) expect(Number.isSafeInteger(x)).toBe(true);
    expect(chunkIdOf('v', 7) - chunkIdOf('v', 0)).toBe(7);
    expect(() => chunkIdOf('V', 0)).toThrow(RangeError);
    expect(() => chunkIdOf('v', 65536)).toThrow(RangeError);
    const source = { volumeId: 'src-a', chunkIndex: 3, sn: 2 };
    expect(cloneLocation(source)).toBe('src-a:3@2');
    expect(parseCloneLocation('src-a:3@2')).toEqual(source);
    for (const bad of ['src-a:3', 'src-a:3@0', 'Src:1@1', 'a:65536@1', 'a:01@1', 'curve://vol@0'])
      expect(parseCloneLocation(bad), bad).toBeNull();
  });

  it('splits a bitmap into runs of equal pages', () => {
    const bitmap = new Uint8Array([0b0000_0110, 0b1000_0000]);
    expect([...pageRuns(bitmap, 0, 16)]).toEqual([
      { first: 0, end: 1, written: false },
      { first: 1, end: 3, written: true },
      { first: 3, end: 15, written: false },
      { first: 15, end: 16, written: true },
    ]);
    expect([...pageRuns(bitmap, 2, 4)]).toEqual([
      { first: 2, end: 3, written: true },
      { first: 3, end: 4, written: false },
    ]);
  });
});

describe('readThrough', () => {
  it('reads a normal chunk as it is', async () => {
    const { store } = ctx.env;
    await store.writeChunk(id('s'), 1, pages(1, PAGES), 0);
    expect(await readThrough(store, { chunkId: id('s') }, 0, CHUNK)).toEqual(pages(1, PAGES));
  });

  it('serves a clone: own pages from the clone, the rest from the source at the pinned version', async () => {
    const { store } = ctx.env;
    await store.writeChunk(id('s'), 1, pages(1, PAGES), 0);
    await store.createCloneChunk(id('c'), 1, 0, CHUNK, 's:0@1');
    await store.pasteChunk(id('c'), pages(1, 2), 2 * PAGE); // pages 2-3 pasted from the source
    await store.writeChunk(id('c'), 1, pages(9), 5 * PAGE); // page 5 written by the clone's user
    const expected = pages(1, PAGES);
    expected.set(pages(9), 5 * PAGE);
    expect(await readThrough(store, { chunkId: id('c') }, 0, CHUNK)).toEqual(expected);
    expect(await readThrough(store, { chunkId: id('c') }, 4 * PAGE, 3 * PAGE)).toEqual(
      expected.subarray(4 * PAGE, 7 * PAGE),
    );
  });

  it('follows a clone of a clone that is not flat yet', async () => {
    const { store } = ctx.env;
    await store.writeChunk(id('s'), 1, pages(1, PAGES), 0);
    await store.createCloneChunk(id('a'), 1, 0, CHUNK, 's:0@1');
    await store.writeChunk(id('a'), 1, pages(2), 0); // a's user changed page 0
    await store.createCloneChunk(id('b'), 1, 0, CHUNK, 'a:0@1');
    const expected = pages(1, PAGES);
    expected.set(pages(2), 0);
    expect(await readThrough(store, { chunkId: id('b') }, 0, CHUNK)).toEqual(expected);
  });

  it('reads the pinned version of the source, not its newer data', async () => {
    const { store } = ctx.env;
    await store.writeChunk(id('s'), 1, pages(1, PAGES), 0);
    await store.createCloneChunk(id('c'), 1, 0, CHUNK, 's:0@1');
    await store.writeChunk(id('s'), 2, pages(7), 0); // new version: version 1 kept in a snapshot
    expect((await readThrough(store, { chunkId: id('c') }, 0, PAGE))[0]).toBe(1);
    expect((await readThrough(store, { chunkId: id('s') }, 0, PAGE))[0]).toBe(7);
  });

  it('refuses a missing source and a location it cannot parse', async () => {
    const { store } = ctx.env;
    await store.createCloneChunk(id('c'), 1, 0, CHUNK, 'gone:0@1');
    await expect(readThrough(store, { chunkId: id('c') }, 0, PAGE)).rejects.toSatisfy(
      (e) => e instanceof ChunkStoreError && e.code === 'ChunkNotExistError',
    );
    await store.createCloneChunk(id('d'), 1, 0, CHUNK, 'curve://elsewhere@1');
    await expect(readThrough(store, { chunkId: id('d') }, 0, PAGE)).rejects.toMatchObject({
      name: 'BadCloneLocation',
      code: 'BadCloneLocation',
    });
  });

  it('refuses a location loop', async () => {
    const { store } = ctx.env;
    await store.createCloneChunk(id('x'), 1, 0, CHUNK, 'y:0@1');
    await store.createCloneChunk(id('y'), 1, 0, CHUNK, 'x:0@1');
    await expect(readThrough(store, { chunkId: id('x') }, 0, PAGE)).rejects.toMatchObject({
      code: 'CloneChainTooDeep',
    });
  });

  it('its refusals fail the activity for good, typed with their code (a retry would get the same)', async () => {
    const refusal = new VolumeRefusal('BadCloneLocation', 'chunk 1: location "x" is not <volume>:<index>@<sn>');
    await expect(classifyStoreErrors(() => Promise.reject(refusal))).rejects.toMatchObject({
      type: 'BadCloneLocation',
      nonRetryable: true,
    });
    const ioError = new Error('EIO');
    await expect(classifyStoreErrors(() => Promise.reject(ioError))).rejects.toBe(ioError);
  });
});
