import { writeSync } from 'node:fs';
import { DataStore } from '../../chunkstore/index';
import { mulberry32 } from '../../lib/prng';
import { encodePages } from './concurrency-observe';

/**
 * The process the SIGKILL test kills (kill.test.ts): opens the store in
 * argv[2] (replaying its log), then `writers` callers each write random pages
 * of their own chunk, one request at a time, forever. Before each request it
 * prints `I <chunk> <page> <tag>`, after its acknowledgement `A <chunk> <page>
 * <tag>`, each line written to fd 1 before it goes on (say()), so a printed ack
 * was given before anything later happened.
 */

/**
 * process.stdout on a pipe is asynchronous on POSIX (Node's "A note on process I/O"): with the pipe
 * full (the test's reader slow under load) lines waited in this process and died with it at the
 * SIGKILL, so the test missed acks and in-flight writes and reported acknowledged-looking data as
 * unexpected (CHUNKSTORE_SEED=207415858, 18550319 (the store before issue 22's c1/c64 changes too),
 * 214845774). fd 1 may be non-blocking: EAGAIN is retried.
 */
function say(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  for (let at = 0; at < buf.length;) {
    try {
      at += writeSync(1, buf, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

const [dir, firstTag, seed, writers] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [
  string,
  number,
  number,
  number,
];
const GEOMETRY = { chunkSize: 64 * 1024, pageSize: 4096, metaPageSize: 4096 };
const PAGES = GEOMETRY.chunkSize / GEOMETRY.pageSize;

const store = await DataStore.open({ dir, ...GEOMETRY });
say('ready');
let tag = firstTag;
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    const rnd = mulberry32(seed + w);
    const chunk = w + 1;
    for (;;) {
      const page = Math.floor(rnd() * PAGES);
      const t = tag++;
      say(`I ${chunk} ${page} ${t}`);
      await store.writeChunk(chunk, 1, encodePages([t], GEOMETRY.pageSize), page * GEOMETRY.pageSize);
      say(`A ${chunk} ${page} ${t}`);
    }
  }),
);
