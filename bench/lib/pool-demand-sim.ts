// bench/pool-demand.ts's simulated pool of one kind on a simulated clock (issue 23): claims take an
// available spare (the newest generation first) or fall back; replenish rounds on a schedule create
// toward the target one per throttle interval, each create taking the create time, and (overlap SKIP)
// a round lasts until its creates have ended; an image update either purges the old generation at
// once (`immediate`) or is rolled in by the rolling refresh's rules (`rolling`). The sizing is a fixed
// target or the real decideTarget, re-decided every round and after a burst.
import { decideTarget, isBurst, leadTimeSeconds, type TargetDecision } from '../../pool/demand/target';
import { floorOf, surgeOf } from '../../workflows/pool/refresh-pool-image';

interface PoolTiming {
  /** Create-to-available of one spare (s). */
  createSeconds: number;
  /** The fixed throttle between creates (s). */
  throttleSeconds: number;
  /** The replenish schedule's interval (s). */
  replenishSeconds: number;
}

export type Sizing = { kind: 'static'; target: number } | { kind: 'demand-aware'; floor: number; ceiling: number };

export interface SimRun {
  timing: PoolTiming;
  sizing: Sizing;
  refresh: 'rolling' | 'immediate';
  /** Request times (s, sorted); claims before `measureFrom` warm the pool and the history up, unmeasured. */
  requests: readonly number[];
  measureFrom: number;
  end: number;
  updateAt: number;
  minHealthyPercent: number;
}

export interface SimResult {
  claims: number;
  hits: number;
  spareSeconds: number;
  /** Claims around the image update (from 5 min before it to 1 h after): time and whether it hit. */
  aroundUpdate: { t: number; hit: boolean }[];
  /** Burst windows opened (demand-aware), and the mean and highest target over the measured time. */
  meanTarget: number;
  maxTarget: number;
  bursts: number;
  /** Seconds in the hour after the image update with no spare available. */
  emptyAfterUpdateSeconds: number;
}

const HISTORY_S = 8 * 86_400;
/** A spare of a generation; `gen` 0 before the update, 1 after. */
type Create = { doneAt: number; gen: number };

export function simulatePool(run: SimRun): SimResult {
  const { timing, sizing } = run;
  const avail = [0, 0];
  let creating: Create[] = []; // FIFO: every create takes the same time
  let gen = 0;
  let target = sizing.kind === 'static' ? sizing.target : sizing.floor;
  let decision: TargetDecision | null = null;
  let round = null as { remaining: number; nextAt: number; endsAt: number } | null;
  let roundAgain = false;
  let refresh = null as { nextAt: number; created: number } | null;
  // Every create takes the same time here: the lead time is the same at every decision.
  const lead = leadTimeSeconds([timing.createSeconds * 1000], timing.throttleSeconds, timing.replenishSeconds);
  const demand: Date[] = [];
  let historyFrom = 0;
  const res: SimResult = {
    claims: 0,
    hits: 0,
    spareSeconds: 0,
    aroundUpdate: [],
    meanTarget: 0,
    maxTarget: 0,
    bursts: 0,
    emptyAfterUpdateSeconds: 0,
  };
  let targetSeconds = 0;

  const count = () => avail[0] + avail[1] + creating.length;
  const startCreate = (t: number, limit: number) => {
    if (count() >= limit) return false; // the per-kind lock: no create past the limit
    creating.push({ doneAt: t + timing.createSeconds, gen });
    return true;
  };
  const decide = (t: number) => {
    if (sizing.kind !== 'demand-aware') return;
    const wasBurst = decision?.burstUntil != null && decision.burstUntil.getTime() > t * 1000;
    while (historyFrom < demand.length && demand[historyFrom].getTime() < (t - HISTORY_S) * 1000) historyFrom++;
    decision = decideTarget({
      now: new Date(t * 1000),
      demand: demand.slice(historyFrom),
      leadTimeSeconds: lead,
      floor: sizing.floor,
      ceiling: sizing.ceiling,
      previous: decision,
      historyStart: new Date(0),
    });
    if (decision.burstUntil && !wasBurst && t >= run.measureFrom) res.bursts++;
    target = decision.target;
    // Scale-in: the spares above the target go (older generation first), as the target falls.
    for (let surplus = count() - target; surplus > 0 && avail[0] + avail[1] > 0; surplus--) {
      avail[avail[1 - gen] > 0 ? 1 - gen : gen]--;
    }
  };
  const startRound = (t: number, urgent: boolean) => {
    if (round) {
      roundAgain ||= urgent; // overlap SKIP: the schedule's tick is skipped; a burst's round follows this one
      return;
    }
    const missing = target - count();
    if (missing > 0) round = { remaining: missing, nextAt: t, endsAt: Infinity };
  };
  const roundStep = (t: number) => {
    if (!round) return;
    // Called only at nextAt, which is Infinity once nothing remains.
    startCreate(t, target);
    round.remaining--;
    round.nextAt = round.remaining > 0 ? t + timing.throttleSeconds : Infinity;
    if (round.remaining === 0) round.endsAt = creating.length ? creating[creating.length - 1].doneAt : t;
  };
  const refreshStep = (t: number) => {
    if (!refresh) return;
    const oldCreating = creating.filter((c) => c.gen !== gen).length;
    const freshCreating = creating.length - oldCreating;
    const old = avail[1 - gen] + oldCreating;
    const built = avail[gen] >= target || (freshCreating === 0 && refresh.created >= target);
    if (old === 0 && built) {
      refresh = null;
      return;
    }
    if (oldCreating > 0) creating = creating.filter((c) => c.gen === gen); // purging: serves nobody yet
    const floor = floorOf(target, run.minHealthyPercent);
    while (avail[1 - gen] > 0 && avail[0] + avail[1] - 1 >= floor) avail[1 - gen]--;
    const fresh = avail[gen] + freshCreating;
    const surge = surgeOf(target);
    if (fresh < target && fresh + avail[1 - gen] < target + surge && startCreate(t, target + surge)) refresh.created++;
    refresh.nextAt = t + Math.max(1, timing.throttleSeconds);
  };
  const claim = (t: number) => {
    const from = avail[gen] > 0 ? gen : avail[1 - gen] > 0 ? 1 - gen : -1;
    if (from >= 0) avail[from]--;
    demand.push(new Date(t * 1000));
    if (t >= run.measureFrom) {
      res.claims++;
      if (from >= 0) res.hits++;
    }
    if (t >= run.updateAt - 300 && t < run.updateAt + 3600) res.aroundUpdate.push({ t, hit: from >= 0 });
    if (decision && isBurst(demand.slice(-64), new Date(t * 1000), decision.forecastPerHour)) {
      decide(t);
      startRound(t, true);
    }
  };

  let t = 0;
  let nextTick = 0;
  let next = 0; // the next request
  let updated = false;
  for (;;) {
    const at = Math.min(
      run.requests[next] ?? Infinity,
      creating[0]?.doneAt ?? Infinity,
      nextTick,
      round ? Math.min(round.nextAt, round.endsAt) : Infinity,
      refresh?.nextAt ?? Infinity,
      updated ? Infinity : run.updateAt,
      run.end,
    );
    const measured = Math.max(0, at - Math.max(t, run.measureFrom));
    res.spareSeconds += count() * measured;
    targetSeconds += target * measured;
    if (avail[0] + avail[1] === 0) res.emptyAfterUpdateSeconds += overlap(t, at, run.updateAt, run.updateAt + 3600);
    t = at;
    if (t >= run.end) break;
    if (t >= run.measureFrom) res.maxTarget = Math.max(res.maxTarget, target);
    while (creating.length && creating[0].doneAt <= t) avail[creating.shift()!.gen]++;
    if (!updated && t >= run.updateAt) {
      updated = true;
      gen = 1;
      round = null; // the catalog sync stops a running round
      if (run.refresh === 'immediate') {
        avail[0] = 0;
        creating = creating.filter((c) => c.gen === gen);
      } else refresh = { nextAt: t, created: 0 };
    } else if (t >= nextTick) {
      nextTick += timing.replenishSeconds;
      decide(t);
      startRound(t, false);
    } else if (round && t >= round.endsAt) {
      round = null;
      if (roundAgain) {
        roundAgain = false;
        startRound(t, true);
      }
    } else if (round && t >= round.nextAt) roundStep(t);
    else if (refresh && t >= refresh.nextAt) refreshStep(t);
    else if (t >= (run.requests[next] ?? Infinity)) claim(run.requests[next++]);
  }
  res.meanTarget = targetSeconds / (run.end - run.measureFrom);
  return res;
}

const overlap = (a: number, b: number, from: number, to: number) => Math.max(0, Math.min(b, to) - Math.max(a, from));

/** The lowest hit rate of any 5-minute window (with a claim) starting at a claim around the update. */
export function worstWindowHitRate(claims: readonly { t: number; hit: boolean }[], windowSeconds = 300): number {
  let worst = 1;
  for (let i = 0; i < claims.length; i++) {
    let hits = 0;
    let n = 0;
    for (let j = i; j < claims.length && claims[j].t < claims[i].t + windowSeconds; j++, n++) if (claims[j].hit) hits++;
    worst = Math.min(worst, hits / n);
  }
  return worst;
}
