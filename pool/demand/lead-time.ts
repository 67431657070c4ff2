// The lead time a target covers (issue 23): how long a claimed spare takes to be replaced.

/** Create-to-available assumed before any create was measured (a real cloud's rbd flatten takes minutes). */
export const DEFAULT_CREATE_SECONDS = 180;
/** The share of creates the lead time covers: a target sized for the median misses whenever Cinder is slow. */
export const LEAD_TIME_PERCENTILE = 0.9;

/**
 * Lead time from measured create-to-available times (ms; empty: a default) and the fixed throttle interval (s).
 * With the replenish schedule's interval (s), also the wait for the round that replaces a claimed spare: a
 * round lasts until its creates end (overlap SKIP skips the ticks meanwhile), so a claim just after a
 * round started waits that round's create time and then up to an interval for the next tick.
 */
export function leadTimeSeconds(
  createToAvailableMs: number[],
  throttleIntervalSeconds: number,
  replenishIntervalSeconds = 0,
): number {
  const times = createToAvailableMs.filter((ms) => Number.isFinite(ms) && ms >= 0).sort((a, b) => a - b);
  const createSeconds =
    times.length === 0
      ? DEFAULT_CREATE_SECONDS
      : times[Math.min(times.length - 1, Math.ceil(LEAD_TIME_PERCENTILE * times.length) - 1)] / 1000;
  const roundWait = replenishIntervalSeconds > 0 ? createSeconds + replenishIntervalSeconds : 0;
  return createSeconds + Math.max(0, throttleIntervalSeconds) + roundWait;
}
