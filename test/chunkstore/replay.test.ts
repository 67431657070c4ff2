import { describe, expect, it } from 'vitest';
import { describe as show, matches } from './concurrency-observe';
import { perform } from './concurrency-workload';
import { stateKey, step as modelStep, type State } from './model';
import { GEOMETRY, picture, withStoreDir } from './replay-env';
import { SCENARIOS, type Scenario } from './replay-scenarios';

/**
 * Seed "重启恢复": for each restart scenario, every step k as the last one
 * done before a restart and every start point j <= k of the replayed log:
 * run 1..k, record everything the API shows about the chunk, restart,
 * replay j..k, and the chunk must look exactly the same. Each call (original
 * and replayed) must also give the outcome the reference model predicts, and
 * a replayed call may only be refused with a code the seed's restart
 * analysis allows for that step (replay-scenarios.ts).
 */

async function replayCase(sc: Scenario, k: number, j: number): Promise<void> {
  await withStoreDir(async (env) => {
    let model: State = null;
    const run = async (i: number, replay: boolean) => {
      const { op, replayMay } = sc.steps[i - 1];
      const where = `${replay ? 'replayed' : 'original'} step ${i} (${op.kind})`;
      const observed = await perform(env.store, GEOMETRY, sc.chunk, op);
      const outcomes = modelStep(GEOMETRY, model, op);
      const hit = outcomes.find((o) => matches(o.result, observed));
      expect(
        hit,
        `${where}: store ${show(observed)}, model ${outcomes.map((o) => show(o.result)).join(' | ')}`,
      ).toBeDefined();
      if (!replay) expect(observed, `${where} must succeed`).toEqual({ ok: true });
      else if (!observed.ok)
        expect(replayMay, `${where}: ${observed.code} is not allowed on replay`).toContain(observed.code);
      model = hit!.next;
    };

    for (let i = 1; i <= k; i++) await run(i, false);
    const before = await picture(env.store, sc.chunk);
    const modelBefore = stateKey(model);

    await env.reopen();
    expect(await picture(env.store, sc.chunk), 'the restart alone changed the chunk').toEqual(before);

    for (let i = j; i <= k; i++) await run(i, true);
    expect(await picture(env.store, sc.chunk), `chunk after replaying steps ${j}..${k}`).toEqual(before);
    expect(stateKey(model), 'the reference model is not idempotent here (test bug)').toBe(modelBefore);
  });
}

for (const sc of SCENARIOS) {
  describe(`replay after restart: ${sc.name} scenario`, () => {
    for (let k = 1; k <= sc.steps.length; k++) {
      for (let j = 1; j <= k; j++) it(`${sc.name} k=${k} from j=${j}`, () => replayCase(sc, k, j));
    }
  });
}
