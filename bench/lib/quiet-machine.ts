import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** The lead's CI runs and anyone's vitest run: benchmarks wait for them to end (the machine has 2 cores). */
const BUSY_PATTERN = 'ci-run.*vitest|vitest run';

function busy(): boolean {
  try {
    execFileSync('pgrep', ['-f', BUSY_PATTERN], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}

export interface QuietWait {
  waitedSeconds: number;
  /** true: the machine never went quiet, the run went ahead anyway */
  timedOut: boolean;
}

/** Polls every `pollSeconds` until no test run is found; gives up after `maxSeconds`. */
export async function waitForQuietMachine(pollSeconds = 30, maxSeconds = 15 * 60): Promise<QuietWait> {
  const start = Date.now();
  while (busy()) {
    const waited = (Date.now() - start) / 1000;
    if (waited >= maxSeconds) return { waitedSeconds: Math.round(waited), timedOut: true };
    console.log(`waiting for test runs to end (${Math.round(waited)} s so far; pgrep -f '${BUSY_PATTERN}')`);
    await sleep(pollSeconds * 1000);
  }
  return { waitedSeconds: Math.round((Date.now() - start) / 1000), timedOut: false };
}
