import { describe, expect, it } from 'vitest';
import { KeyedRwLock } from '../../chunkstore/keyed-rw-lock';

/** The per-chunk lock: shared tasks overlap, exclusive ones run alone, arrival order is kept. */

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedRwLock', () => {
  it('sharedNow: a shared task may start at once while no exclusive task runs or waits for the key', async () => {
    const lock = new KeyedRwLock<number>();
    expect(lock.sharedNow(1)).toBe(true);
    const reading = gate();
    const reader = lock.shared(1, () => reading.opened);
    expect(lock.sharedNow(1)).toBe(true); // readers only
    const writing = gate();
    const writer = lock.exclusive(1, () => writing.opened); // waits for the reader
    expect(lock.sharedNow(1)).toBe(false); // a writer waits: a new reader queues behind it
    expect(lock.sharedNow(2)).toBe(true);
    reading.open();
    await reader;
    await tick();
    expect(lock.sharedNow(1)).toBe(false); // the writer runs
    writing.open();
    await writer;
    expect(lock.sharedNow(1)).toBe(true);
  });

  it('runs shared tasks of one key together', async () => {
    const lock = new KeyedRwLock<number>();
    const g = gate();
    let running = 0;
    let peak = 0;
    const reader = () =>
      lock.shared(1, async () => {
        running++;
        peak = Math.max(peak, running);
        await g.opened;
        running--;
      });
    const all = Promise.all([reader(), reader(), reader()]);
    await tick();
    expect(peak).toBe(3);
    g.open();
    await all;
  });

  it('runs an exclusive task alone, and readers that arrive after a waiting writer wait for it', async () => {
    const lock = new KeyedRwLock<number>();
    const log: string[] = [];
    const g1 = gate();
    const g2 = gate();
    const r1 = lock.shared(1, async () => {
      log.push('r1 start');
      await g1.opened;
      log.push('r1 end');
    });
    const w = lock.exclusive(1, async () => {
      log.push('w start');
      await g2.opened;
      log.push('w end');
    });
    const r2 = lock.shared(1, async () => {
      log.push('r2');
    });
    await tick();
    expect(log).toEqual(['r1 start']);
    g1.open();
    await tick();
    expect(log).toEqual(['r1 start', 'r1 end', 'w start']);
    g2.open();
    await Promise.all([r1, w, r2]);
    expect(log).toEqual(['r1 start', 'r1 end', 'w start', 'w end', 'r2']);
  });

  it('serializes exclusive tasks of one key in arrival order, and keys do not wait for each other', async () => {
    const lock = new KeyedRwLock<string>();
    const log: string[] = [];
    const g = gate();
    const a1 = lock.exclusive('a', async () => {
      await g.opened;
      log.push('a1');
    });
    const a2 = lock.exclusive('a', async () => {
      log.push('a2');
    });
    const b = lock.exclusive('b', async () => {
      log.push('b');
    });
    await b;
    expect(log).toEqual(['b']);
    g.open();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['b', 'a1', 'a2']);
  });

  it('releases the key when a task fails, also when it throws before returning a promise', async () => {
    const lock = new KeyedRwLock<number>();
    await expect(
      lock.exclusive(1, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      lock.shared(1, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      lock.exclusive(1, () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(await lock.exclusive(1, async () => 'after')).toBe('after');
    expect(lock.pending).toBe(0);
  });

  it('counts running and queued tasks over all keys', async () => {
    const lock = new KeyedRwLock<number>();
    const g = gate();
    const tasks = [
      lock.exclusive(1, () => g.opened),
      lock.exclusive(1, async () => {}),
      lock.shared(2, () => g.opened),
    ];
    expect(lock.pending).toBe(3);
    g.open();
    await Promise.all(tasks);
    expect(lock.pending).toBe(0);
  });

  it('does not keep the state of idle keys forever', async () => {
    const lock = new KeyedRwLock<number>();
    for (let key = 0; key < 10_000; key++) await lock.exclusive(key, async () => {});
    expect(lock.trackedKeys).toBeLessThanOrEqual(2048);
  });

  it('idle() waits for every queued and running task', async () => {
    const lock = new KeyedRwLock<number>();
    const g = gate();
    let finished = 0;
    void lock.shared(1, async () => {
      await g.opened;
      finished++;
    });
    void lock.exclusive(1, async () => {
      finished++;
    });
    void lock.exclusive(2, async () => {
      await g.opened;
      finished++;
    });
    let idle = false;
    const waiting = lock.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    g.open();
    await waiting;
    expect(finished).toBe(3);
    await lock.idle(); // nothing left: resolves at once
  });
});
