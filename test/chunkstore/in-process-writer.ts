import type { BackgroundWrite, BackgroundWriter } from '../../chunkstore/store-fs';

/**
 * A BackgroundWriter that writes with each file's writeSync one event-loop turn later (setImmediate runs in
 * order): the same contract as the real thread, for simulated files (tests) that have no descriptor.
 */
export function inProcessWriter(): BackgroundWriter {
  let last: Promise<unknown> = Promise.resolve();
  return {
    writeAll(items) {
      const done = new Promise<Array<Error | undefined>>((resolve) =>
        setImmediate(() => resolve(items.map(writeWhole))),
      );
      last = done;
      return done;
    },
    close: () => last.then(() => undefined),
  };
}

function writeWhole({ file, position, data }: BackgroundWrite): Error | undefined {
  try {
    for (let n = 0; n < data.length;) n += file.writeSync(data, n, data.length - n, position + n);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}
