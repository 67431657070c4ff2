// The compute part of the server-create flow's contract: Nova (flavors, boot from volumes with BDM
// v2, show/list/delete and the volumes on each side, a build the compute node fails) and Neutron
// (networks, subnets, ports, fixed-IP rules), run against the built-in simulator AND a real
// Keystone 22 + Cinder 21 + Placement 8 + Nova 26 + Neutron 21 (contract/ with { compute: true }).
// Codes, messages and states are compared; the last suite asserts every JSON shape the real cloud
// answered with is the simulator's too. On the same peer, blockflow's createServer and deleteServer
// run end to end (compute-flow-checks.ts).
import { describe, expect, it } from 'vitest';
import { computeChecks } from './compute-checks';
import { computeFlowChecks } from './compute-flow-checks';
import { computeNetworkChecks } from './compute-network-checks';
import { ShapeBook } from './shapes';
import { useContractTarget } from './suite';
import { CONTRACT_TARGETS, startReal } from './targets';

const shapes = new ShapeBook();
describe.each(CONTRACT_TARGETS)('contract (compute + network): %s', (target, start) => {
  const ctx = useContractTarget(target, start, shapes);

  describe('nova: flavors, boot from volumes, show/list/delete', () => computeChecks(ctx));
  describe('neutron and nova: networks, fixed IPs, a build the compute node fails', () => computeNetworkChecks(ctx));
});

// The same peer, with blockflow's worker composed against it (its own PostgreSQL + Temporal).
describe('server flow end to end on the real peer: createServer, deleteServer', () => computeFlowChecks(startReal));

describe('contract (compute + network): simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(8);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
