// cloneVolume on real Temporal with the real chunk store, through the API: a source volume of
// generated data, a clone that exists (and reads as the source) at once, a throttled flatten whose
// progress only grows to 100 % across continue-as-new runs, every chunk a normal chunk at the end,
// a worker restart in the middle of the flatten, and bad input refused with the field named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedVolumeDigest } from '../../chunk-volumes/generated-data';
import { cloneProgressQuery, type CloneProgress } from '../../workflows/volumes/clone-progress';
import { startPlatform, waitFor, type Platform } from './harness';
import { cloneVolume } from '../../workflows';
import { cloneWorkflowId } from '../../api/routes/volumes/volumes';

const CHUNKS = 3;
const CHUNK_SIZE = 16 * 1024 * 1024; // the store's default geometry
const PAGES = CHUNKS * (CHUNK_SIZE / 4096);
const SOURCE = 'src-a';
const SEED = 7;
const sourceDigest = generatedVolumeDigest(SOURCE, SEED, CHUNKS, CHUNK_SIZE);
let p: Platform;
let created: { status: number; body: any };

beforeAll(async () => {
  p = await startPlatform();
  // every clone below copies this volume
  created = await p.api('/v1/volumes', { method: 'POST', body: { volumeId: SOURCE, chunks: CHUNKS, seed: SEED } });
});
afterAll(async () => {
  await p?.close();
});

/** Watches a clone's progress query until the workflow ends; every answer is kept, in order. */
function watchProgress(workflowId: string) {
  const seen: CloneProgress[] = [];
  let paused = false;
  let done = false;
  const handle = p.client.workflow.getHandle(workflowId);
  const loop = (async () => {
    while (!done) {
      if (!paused) {
        const answer = await handle.query(cloneProgressQuery).catch(() => undefined);
        if (answer) seen.push(answer);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    seen,
    /** no queries while no worker runs (they would wait for one) */
    pause: (value: boolean) => {
      paused = value;
    },
    latest: () => seen[seen.length - 1],
    async result(): Promise<CloneProgress> {
      try {
        return await handle.result();
      } finally {
        done = true;
        await loop;
      }
    },
  };
}

function expectMonotonic(seen: CloneProgress[]): void {
  const phases = ['cloning', 'flattening', 'done'];
  for (let i = 1; i < seen.length; i++) {
    expect(seen[i]!.percent, `percent went back at answer ${i}`).toBeGreaterThanOrEqual(seen[i - 1]!.percent);
    expect(seen[i]!.pagesWritten).toBeGreaterThanOrEqual(seen[i - 1]!.pagesWritten);
    expect(phases.indexOf(seen[i]!.phase)).toBeGreaterThanOrEqual(phases.indexOf(seen[i - 1]!.phase));
  }
}

async function volume(volumeId: string) {
  const res = await p.api(`/v1/volumes/${volumeId}?chunks=${CHUNKS}`);
  expect(res.status).toBe(200);
  return res.body as {
    chunks: { exists: boolean; isClone: boolean; writtenPages: number; location: string }[];
    digest?: string;
  };
}

async function startClone(targetVolumeId: string, extra: Record<string, number>) {
  const res = await p.api('/v1/volumes/clones', {
    method: 'POST',
    body: { sourceVolumeId: SOURCE, targetVolumeId, chunks: CHUNKS, ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.workflowId as string;
}

describe('volumes in the chunk store', () => {
  it('creates a source volume of generated data', async () => {
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      volumeId: SOURCE,
      chunks: CHUNKS,
      chunkSize: CHUNK_SIZE,
      sn: 1,
      digest: sourceDigest,
    });
    const source = await volume(SOURCE);
    expect(source.digest).toBe(sourceDigest);
    expect(source.chunks.every((c) => c.exists && !c.isClone)).toBe(true);
    const oneMore = await p.api(`/v1/volumes/${SOURCE}?chunks=${CHUNKS + 1}&digest=false`);
    expect(oneMore.body.digest).toBeUndefined();
    expect(oneMore.body.chunks.map((c: { exists: boolean }) => c.exists)).toEqual([...Array(CHUNKS).fill(true), false]);
  });
});

describe('cloneVolume', () => {
  it(
    'clones at once, reads as the source before any page moved, ' + 'flattens with monotonic progress to normal chunks',
    async () => {
      // 12 steps of 1024 pages, 5 steps per run: the flatten continues as new twice
      const workflowId = await startClone('clone-a', { pagesPerStep: 1024, stepIntervalMs: 300, stepsPerRun: 5 });
      const watch = watchProgress(workflowId);

      await waitFor('the clone chunks', async () => watch.latest()?.phase === 'flattening');
      const early = await volume('clone-a');
      expect(early.chunks.every((c) => c.exists)).toBe(true);
      // the last chunk is flattened last: still a clone of the source, still mostly unpasted
      expect(early.chunks[CHUNKS - 1]).toMatchObject({ isClone: true, location: `${SOURCE}:${CHUNKS - 1}@1` });
      expect(early.chunks[CHUNKS - 1]!.writtenPages).toBeLessThan(CHUNK_SIZE / 4096);
      expect(early.digest, 'a fresh clone reads as its source').toBe(sourceDigest);

      const result = await watch.result();
      expect(result).toMatchObject({
        phase: 'done',
        percent: 100,
        pagesWritten: PAGES,
        pagesTotal: PAGES,
        chunksFlat: CHUNKS,
        steps: 12,
      });
      expect(result.run, 'continued as new').toBe(3);
      expect(watch.seen.length).toBeGreaterThan(5);
      expect(
        watch.seen.some((s) => s.percent > 0 && s.percent < 100),
        'progress seen between 0 and 100',
      ).toBe(true);
      expectMonotonic([...watch.seen, result]);

      const flat = await volume('clone-a');
      expect(flat.chunks.map((c) => [c.isClone, c.writtenPages, c.location])).toEqual(
        Array(CHUNKS).fill([false, CHUNK_SIZE / 4096, '']),
      );
      expect(flat.digest, 'the flat clone holds the source bytes itself').toBe(sourceDigest);

      const status = await p.api('/v1/volumes/clones/clone-a');
      expect(status.body).toMatchObject({
        status: 'COMPLETED',
        progressFrom: 'result',
        progress: { phase: 'done', percent: 100, chunksFlat: CHUNKS },
      });
    },
  );

  it('finishes correctly when the worker is restarted in the middle of the flatten', async () => {
    const workflowId = await startClone('clone-b', { pagesPerStep: 1024, stepIntervalMs: 200 });
    const watch = watchProgress(workflowId);
    await waitFor('a third of the flatten', async () => (watch.latest()?.percent ?? 0) >= 30, 60_000);
    watch.pause(true);
    await p.stopWorker();

    // no worker: the API answers from the memo the last step left
    const down = await p.api('/v1/volumes/clones/clone-b');
    expect(down.body).toMatchObject({ status: 'RUNNING', progressFrom: 'memo', progress: { phase: 'flattening' } });
    expect(down.body.progress.percent).toBeGreaterThanOrEqual(30);
    expect(down.body.progress.percent).toBeLessThan(100);

    await p.startWorker();
    watch.pause(false);
    const result = await watch.result();
    expect(result).toMatchObject({
      phase: 'done',
      percent: 100,
      pagesWritten: PAGES,
      chunksFlat: CHUNKS,
      steps: PAGES / 1024,
    });
    expectMonotonic([...watch.seen, result]);
    const flat = await volume('clone-b');
    expect(flat.chunks.every((c) => c.exists && !c.isClone && c.writtenPages === CHUNK_SIZE / 4096)).toBe(true);
    expect(flat.digest).toBe(sourceDigest);
  });

  it('fails for good on a missing source or an existing target', async () => {
    const input = { sourceVolumeId: 'no-such-volume', targetVolumeId: 'clone-c', chunks: 1, pagesPerStep: 64 };
    // The API refuses it at the edge (api.test.ts); the workflow, started directly, fails for good.
    const refused = await p.api('/v1/volumes/clones', { method: 'POST', body: { ...input, stepIntervalMs: 0 } });
    expect(refused.status).toBe(404);
    const workflowId = cloneWorkflowId(input.targetVolumeId);
    const args = [{ ...input, stepIntervalMs: 0 }] as const;
    await expect(
      p.client.workflow.execute(cloneVolume, { taskQueue: p.taskQueue, workflowId, args }),
    ).rejects.toThrow();
    const failed = await p.api('/v1/volumes/clones/clone-c');
    expect(failed.body).toMatchObject({ status: 'FAILED' });
    expect(failed.body.failure).toMatch(/does not exist/);

    const onto = await startClone('clone-a', { pagesPerStep: 64, stepIntervalMs: 0 });
    await expect(p.client.workflow.getHandle(onto).result()).rejects.toThrow();
    expect((await p.api('/v1/volumes/clones/clone-a')).body.failure).toMatch(/exists with other state/);
    expect((await volume('clone-a')).digest, 'the existing volume is untouched').toBe(sourceDigest);
  });

  it('refuses bad input with 400 naming the field, and writes without the token with 401', async () => {
    const clone = { sourceVolumeId: SOURCE, targetVolumeId: 'clone-d', chunks: 1, pagesPerStep: 64, stepIntervalMs: 0 };
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/volumes/clones', { ...clone, pagesPerStep: 0 }, 'pagesPerStep'],
      ['POST', '/v1/volumes/clones', { ...clone, stepIntervalMs: -1 }, 'stepIntervalMs'],
      ['POST', '/v1/volumes/clones', { ...clone, chunks: 1.5 }, 'chunks'],
      ['POST', '/v1/volumes/clones', { ...clone, sourceVolumeId: 'Bad_Id' }, 'sourceVolumeId'],
      ['POST', '/v1/volumes/clones', { ...clone, targetVolumeId: SOURCE }, 'targetVolumeId'],
      ['POST', '/v1/volumes/clones', { ...clone, surprise: true }, '(body)'],
      ['POST', '/v1/volumes', { volumeId: 'v', chunks: 17, seed: 1 }, 'chunks'],
      ['GET', '/v1/volumes/src-a?chunks=zero', undefined, 'chunks'],
      ['GET', '/v1/volumes/src-a?chunks=65', undefined, 'digest'],
      ['GET', '/v1/volumes/clones/NOT-A-VOLUME', undefined, 'targetVolumeId'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await p.api(path, { method, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.field, `${method} ${path} ${JSON.stringify(body)}`).toBe(field);
    }
    expect((await p.api('/v1/volumes/clones', { method: 'POST', body: clone, token: null })).status).toBe(401);
    expect((await p.api('/v1/volumes/clones/clone-d')).status, 'nothing was started').toBe(404);
  });
});
