// What pool tests watch while something changes: the lowest of a count over time, and /metrics.
import { API_TOKEN, type Platform } from './harness';

/** Samples `count` every `everyMs` until stopped; returns the lowest value seen and how many samples. */
export function sampleLowest(count: () => Promise<number>, everyMs = 100) {
  let lowest = Number.POSITIVE_INFINITY;
  let samples = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      lowest = Math.min(lowest, await count());
      samples++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { lowest, samples };
    },
  };
}

/** The API's /metrics page (Prometheus' text format), read as an operator's scraper does. */
export async function metricsText(p: Platform): Promise<string> {
  const res = await fetch(`${p.apiUrl}/metrics`, { headers: { Authorization: `Bearer ${API_TOKEN}` } });
  return res.text();
}
