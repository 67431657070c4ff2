// The overload model's backend workers: creates beyond `serviceSlots` wait their turn, first
// come first served, so throughput is capped and extra load only lengthens the queue.
import { describe, expect, it } from 'vitest';
import { OverloadModel } from '../../openstack-sim/overload';

describe('OverloadModel with serviceSlots', () => {
  it('queues creates beyond the workers, first come first served', () => {
    const model = new OverloadModel({ capacity: 100, errorSlope: 0, serviceSlots: 2 });
    const waits = [0, 1, 2, 3, 4].map((n) => model.admit(n, 1000, 10_000).extraLatencyMs);
    expect(waits).toEqual([0, 0, 1000, 1000, 2000]);
  });

  it('a worker freed in the meantime serves the next create at once', () => {
    const model = new OverloadModel({ capacity: 100, errorSlope: 0, serviceSlots: 1 });
    expect(model.admit(0, 1000, 0).extraLatencyMs).toBe(0);
    expect(model.admit(1, 1000, 400).extraLatencyMs).toBe(600);
    expect(model.admit(0, 1000, 5000).extraLatencyMs).toBe(0);
  });

  it('without serviceSlots nothing queues (the model as before)', () => {
    const model = new OverloadModel({ capacity: 100, errorSlope: 0 });
    expect([0, 1, 2].map((n) => model.admit(n, 1000, 0).extraLatencyMs)).toEqual([0, 0, 0]);
  });
});
