import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataStore } from '../../chunkstore/index';
import { mulberry32 } from '../../lib/prng';
import { decodePages } from './concurrency-observe';
import { runSeed } from './concurrency-workload';

/**
 * A real process kill: a child (kill-child.ts, bundled once with esbuild so it
 * starts in tens of ms) writes from 16 concurrent callers and is SIGKILLed at
 * a seeded random moment 0-80 ms after its first acknowledged write, so under
 * load whatever the disk's pace (timed from its start, a run beside stress-ng
 * saw 38 acknowledged writes in 50 lives), 50 times over the same directory; after each kill
 * the store is opened (replaying its log) and every page must hold its last
 * acknowledged write, or the write in flight on it. CHUNKSTORE_SEED reproduces.
 */

const KILLS = 50;
const WRITERS = 16;
const PAGE = 4096;
const PAGES = 16;
let work: string;
let child: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chunkstore-kill-'));
  child = join(work, 'child.mjs');
  const esbuild = join(process.cwd(), 'node_modules/.bin/esbuild');
  const src = join(process.cwd(), 'test/chunkstore/kill-child.ts');
  execFileSync(esbuild, [
    src,
    '--bundle',
    '--platform=node',
    '--format=esm',
    `--outfile=${child}`,
    '--log-level=error',
  ]);
});
afterAll(() => rm(work, { recursive: true, force: true }));

interface Life {
  acked: Map<string, number>;
  inFlight: Map<number, { page: number; tag: number }>;
  acks: number;
}

/** Runs the child until `killAfterMs` after its first acknowledged write, SIGKILLs it, and returns what it printed. */
function life(dir: string, firstTag: number, seed: number, killAfterMs: number, acked: Map<string, number>) {
  return new Promise<Life>((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, String(firstTag), String(seed), String(WRITERS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const inFlight = new Map<number, { page: number; tag: number }>();
    let acks = 0;
    let rest = '';
    proc.stdout.on('data', (buf: Buffer) => {
      const lines = (rest + buf.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const [kind, chunk, page, tag] = line.split(' ');
        if (kind === 'I') inFlight.set(Number(chunk), { page: Number(page), tag: Number(tag) });
        if (kind === 'A') {
          acked.set(`${chunk}:${page}`, Number(tag));
          inFlight.delete(Number(chunk));
          if (++acks === 1) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    proc.on('error', reject);
    // 'close', not 'exit': only then has everything the child printed been read
    proc.on('close', (code, signal) =>
      signal === 'SIGKILL' ? resolve({ acked, inFlight, acks }) : reject(new Error(`child exited ${code}`)),
    );
  });
}

describe('SIGKILL under concurrent load', () => {
  it(`${KILLS} kills at random moments: every acknowledged write is there after reopening`, async () => {
    const seed = runSeed();
    const rnd = mulberry32(seed);
    const dir = join(work, 'store');
    const acked = new Map<string, number>();
    let total = 0;
    let idle = 0; // lives killed with no write in flight: such a kill tests nothing
    for (let k = 0; k < KILLS; k++) {
      const killAfter = Math.floor(rnd() * 80);
      const { inFlight, acks } = await life(dir, (k + 1) * 1_000_000, seed + k * 97, killAfter, acked);
      total += acks;
      if (acks === 0 || inFlight.size === 0) idle++;
      const store = await DataStore.open({ dir, chunkSize: PAGES * PAGE, pageSize: PAGE, metaPageSize: PAGE });
      try {
        for (let chunk = 1; chunk <= WRITERS; chunk++) {
          const info = await store.getChunkInfo(chunk).catch(() => null);
          const tags = info ? decodePages(await store.readChunk(chunk, 1, 0, PAGES * PAGE), PAGE) : [];
          for (let page = 0; page < PAGES; page++) {
            const want = acked.get(`${chunk}:${page}`);
            const flying = inFlight.get(chunk);
            const allowed = [want ?? -2, ...(flying?.page === page ? [flying.tag] : [])];
            const where = `CHUNKSTORE_SEED=${seed} kill ${k} (after ${killAfter} ms): chunk ${chunk} page ${page}`;
            expect(allowed, where).toContain(tags[page] ?? -2);
            if (flying?.page === page && tags[page] === flying.tag) acked.set(`${chunk}:${page}`, flying.tag);
          }
        }
      } finally {
        await store.close();
      }
    }
    console.log(`${KILLS} kills, ${total} acknowledged writes, seed ${seed}`);
    // every kill came after an acknowledged write, with writes in flight (16 callers, one between its
    // ack and its next request at most); a count of acks would say only how fast the disk was
    expect(idle).toBe(0);
  });
});
