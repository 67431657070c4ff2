import { describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorOptions } from '../../openstack-sim/index';
import { mulberry32 } from '../../lib/prng';
import { OverloadModel } from '../../openstack-sim/overload';
import { login, waitFor, type Session } from './helpers';

/** Admits `count` creates back to back (all still in flight), then returns each one's final status in order. */
async function burst(options: SimulatorOptions, count: number): Promise<string[]> {
  const sim = await startSimulator(options);
  try {
    const s = await login(sim, 'demo');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await s.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id);
    return await waitFor('burst settled', () => settled(s, ids), 10_000);
  } finally {
    await sim.stop();
  }
}

async function settled(s: Session, ids: string[]): Promise<string[] | undefined> {
  const statuses = await Promise.all(
    ids.map(async (id) => (await s.volume.get(`/volumes/${id}`)).body.volume.status as string),
  );
  return statuses.every((status) => status !== 'creating') ? statuses : undefined;
}

describe('overload model', () => {
  it('p(error) = clamp((n - capacity) * errorSlope, 0, 1)', () => {
    const model = new OverloadModel({ capacity: 4, errorSlope: 0.1 });
    expect([0, 4, 5, 9, 14, 40].map((n) => model.errorProbability(n))).toEqual([0, 0, 0.1, expect.closeTo(0.5), 1, 1]);
    expect(new OverloadModel(undefined).admit(1000)).toEqual({ fails: false, extraLatencyMs: 0 });
  });

  it('draws from a seeded PRNG', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  const loaded: SimulatorOptions = {
    // long enough that every create of a burst is admitted while all earlier ones are still in flight
    plainCreateDelayMs: 2000,
    overload: { capacity: 4, errorSlope: 0.1, seed: 7 },
  };

  it('fails more creates the more are in flight, reproducibly for a seed', async () => {
    const statuses = await burst(loaded, 30);
    // admitted with n = 0..4 in flight: p = 0, all succeed; with n >= 14: p = 1, all fail
    expect(statuses.slice(0, 5).every((s) => s === 'available')).toBe(true);
    expect(statuses.slice(14).every((s) => s === 'error')).toBe(true);
    // in between p rises 0.1..0.9 (expected 4.5 of 9 fail); the seed makes the exact outcome repeat
    const middleFailures = statuses.slice(5, 14).filter((s) => s === 'error').length;
    expect(middleFailures).toBeGreaterThanOrEqual(1);
    expect(middleFailures).toBeLessThanOrEqual(8);
    expect(await burst(loaded, 30)).toEqual(statuses);
  });

  it('matches the expected failure rate over many admissions', async () => {
    // capacity 0, slope 1/40: admission k of a 40-burst fails with p = k/40, expected 19.5 failures
    const statuses = await burst(
      { plainCreateDelayMs: 2000, overload: { capacity: 0, errorSlope: 1 / 40, seed: 2024 } },
      40,
    );
    const failures = statuses.filter((s) => s === 'error').length;
    expect(failures).toBeGreaterThanOrEqual(12);
    expect(failures).toBeLessThanOrEqual(27);
    // failures concentrate late in the burst
    const early = statuses.slice(0, 20).filter((s) => s === 'error').length;
    expect(failures - early).toBeGreaterThan(early);
  });

  it('stays healthy below capacity', async () => {
    const statuses = await burst({ ...loaded, plainCreateDelayMs: 50 }, 4);
    expect(statuses).toEqual(['available', 'available', 'available', 'available']);
  });

  it('adds latency per create in flight', async () => {
    const sim = await startSimulator({
      plainCreateDelayMs: 50,
      overload: { capacity: 100, errorSlope: 0, latencyPerInflightMs: 300 },
    });
    try {
      const s = await login(sim, 'demo');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await s.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id);
      const status = async (id: string) => (await s.volume.get(`/volumes/${id}`)).body.volume.status;
      // first: 50 ms; fourth (3 in flight): 50 + 900 ms
      await waitFor('first available', async () => (await status(ids[0])) === 'available', 2000);
      expect(await status(ids[3])).toBe('creating');
      await waitFor('fourth available', async () => (await status(ids[3])) === 'available', 2000);
    } finally {
      await sim.stop();
    }
  });
});
