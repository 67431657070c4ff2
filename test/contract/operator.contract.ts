// What operators routinely run, as the real cloud answers it: Keystone's projects and users, Cinder's
// quotas and limits (and the pool's own reading of them), volume metadata and actions, and the
// listings the CLIs show (services, zones, pools, summaries, …), run against the built-in simulator
// AND the real Keystone 22 + Cinder 21 (contract/). Codes, messages and values that do not differ by
// nature are compared; the last suite asserts every JSON shape the real cloud produced is the
// simulator's too.
import { describe, expect, it } from 'vitest';
import { detailChecks } from './details-checks';
import { identityChecks } from './identity-checks';
import { listingChecks } from './listing-checks';
import { metadataChecks } from './metadata-checks';
import { poolQuotaChecks } from './pool-quota-checks';
import { quotaChecks } from './quota-checks';
import { registryChecks } from './registry-checks';
import { ShapeBook } from './shapes';
import { useContractTarget } from './suite';
import { CONTRACT_TARGETS } from './targets';

const shapes = new ShapeBook();
describe.each(CONTRACT_TARGETS)('contract (operator commands): %s', (target, start) => {
  const ctx = useContractTarget(target, start, shapes);

  describe('keystone: projects and users', () => identityChecks(ctx));
  describe('keystone: domains, roles, regions, services, endpoints, assignments', () => registryChecks(ctx));
  describe('cinder: quotas and limits', () => quotaChecks(ctx));
  describe("pool: the admin project's quota as the replenish plan reads it", () => poolQuotaChecks(ctx));
  describe('cinder: volume metadata and actions', () => metadataChecks(ctx));
  describe('cinder: listings', () => listingChecks(ctx));
  describe('cinder: details', () => detailChecks(ctx));
});

describe('contract (operator commands): simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(3);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
