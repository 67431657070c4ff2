// The compute part of the server-create flow's contract: Nova (flavors, boot from volumes with BDM
// v2, show/list/delete and the volumes on each side, a build the compute node fails) and Neutron
// (networks, subnets, ports, fixed-IP rules), run against the built-in simulator AND a real
// Keystone 22 + Cinder 21 + Placement 8 + Nova 26 + Neutron 21 (contract/ with { compute: true }).
// Codes, messages and states are compared; the last suite asserts every JSON shape the real cloud
// answered with is the simulator's too. On the same peer, blockflow's createServer and deleteServer
// run end to end (compute-flow-checks.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeChecks } from './compute-checks';
import { computeFlowChecks } from './compute-flow-checks';
import { computeNetworkChecks } from './compute-network-checks';
import { ShapeBook } from './shapes';
import { useContractTarget } from './suite';
import { startReal, startSim, type Target } from './targets';

const shapes = new ShapeBook();
/** One real peer for the whole file (bring-up 1.5–2 min), stopped after its last suite. */
let real: Promise<Target> | undefined;
const sharedReal = async (): Promise<Target> => {
  real ??= startReal({ compute: true });
  const { authUrl } = await real;
  return { authUrl, stop: async () => {} };
};
// Its bring-up starts with the file, alongside the simulator's checks; the real suites wait for it.
beforeAll(() => {
  sharedReal().catch(() => {}); // a failed bring-up fails the real suites' beforeAll, with its log
});
afterAll(async () => {
  await (await real?.catch(() => undefined))?.stop();
}, 60_000);

const TARGETS = [
  ['simulator', startSim],
  ['real', sharedReal],
] as const;

describe.each(TARGETS)('contract (compute + network): %s', (target, start) => {
  const ctx = useContractTarget(target, start, shapes);

  describe('nova: flavors, boot from volumes, show/list/delete', () => computeChecks(ctx));
  describe('neutron and nova: networks, fixed IPs, a build the compute node fails', () => computeNetworkChecks(ctx));
});

// The same peer, with blockflow's worker composed against it (its own PostgreSQL + Temporal).
describe('server flow end to end on the real peer: createServer, deleteServer', () => computeFlowChecks(sharedReal));

describe('contract (compute + network): simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(8);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
