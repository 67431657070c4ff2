// How fast this machine runs JavaScript right now: a fixed single-threaded workload (JSON and a
// hash, as a request's handling is), timed. Shared virtual machines change speed under their
// neighbours' load (here up to 2× from one hour to the next), which shows in every latency; a
// run's figures are read against the probe taken beside them.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const document = { servers: Array.from({ length: 200 }, (_, i) => ({ id: `id-${i}`, name: `server-${i}`, n: i })) };

export const CPU_PROBE =
  'ms for 500 × (JSON.stringify, SHA-256, JSON.parse) of a 200-server list, one thread, median of 5: lower is faster';

/** Milliseconds for the fixed workload: the median of five tries after one to warm up. */
export function cpuProbeMs(): number {
  const tries = [0, 1, 2, 3, 4, 5].map(() => {
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) {
      const text = JSON.stringify(document);
      createHash('sha256').update(text).digest('hex');
      JSON.parse(text);
    }
    return performance.now() - t0;
  });
  const timed = tries.slice(1).sort((a, b) => a - b);
  return Math.round(timed[2]! * 10) / 10;
}
