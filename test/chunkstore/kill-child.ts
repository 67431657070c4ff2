import { DataStore } from '../../chunkstore/index';
import { mulberry32 } from '../../lib/prng';
import { encodePages } from './concurrency-observe';

/**
 * The process the SIGKILL test kills (kill.test.ts): opens the store in
 * argv[2] (replaying its log), then `writers` callers each write random pages
 * of their own chunk, one request at a time, forever. Before each request it
 * prints `I <chunk> <page> <tag>`, after its acknowledgement `A <chunk> <page>
 * <tag>` (stdout to a pipe is synchronous on Linux, so a printed ack was given
 * before anything later happened).
 */

const [dir, firstTag, seed, writers] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [
  string,
  number,
  number,
  number,
];
const GEOMETRY = { chunkSize: 64 * 1024, pageSize: 4096, metaPageSize: 4096 };
const PAGES = GEOMETRY.chunkSize / GEOMETRY.pageSize;

const store = await DataStore.open({ dir, ...GEOMETRY });
process.stdout.write('ready\n');
let tag = firstTag;
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    const rnd = mulberry32(seed + w);
    const chunk = w + 1;
    for (;;) {
      const page = Math.floor(rnd() * PAGES);
      const t = tag++;
      process.stdout.write(`I ${chunk} ${page} ${t}\n`);
      await store.writeChunk(chunk, 1, encodePages([t], GEOMETRY.pageSize), page * GEOMETRY.pageSize);
      process.stdout.write(`A ${chunk} ${page} ${t}\n`);
    }
  }),
);
