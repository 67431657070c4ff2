// The server-create flow's contract: Keystone trusts, users and token validation, and Cinder's
// quota on a transfer accepted through a trust plus the request bodies the CLIs send, run against
// the built-in simulator AND the real Keystone 22 + Cinder 21 (contract/). Codes, messages and
// JSON shapes are compared; the last suite asserts every shape the real cloud produced is the
// simulator's too. (Nova and Neutron: compute.contract.ts.)
import { describe, expect, it } from 'vitest';
import { cinderBodyChecks } from './cinder-body-checks';
import { ShapeBook } from './shapes';
import { useContractTarget } from './suite';
import { CONTRACT_TARGETS } from './targets';
import { tenantSetupChecks } from './tenant-setup-checks';
import { trustChecks } from './trust-checks';
import { newRbacKeystone, trustLifecycleChecks, usualKeystone } from './trust-lifecycle-checks';

const shapes = new ShapeBook();
// The real target's second Keystone, under the new RBAC defaults, serves the trust lifecycle (trust-lifecycle-checks).
describe.each(CONTRACT_TARGETS)('contract (trusts, quota, bodies): %s', (target, start) => {
  const ctx = useContractTarget(target, start, shapes);

  describe('keystone: tenant set-up (project, user, role add)', () => tenantSetupChecks(ctx));
  describe('keystone: users, trusts, token validation', () => trustChecks(ctx));
  describe('keystone: the trust lifecycle', () => trustLifecycleChecks(ctx, usualKeystone, 'usual policy'));
  describe('keystone: the trust lifecycle, new RBAC defaults', () =>
    trustLifecycleChecks(ctx, newRbacKeystone, 'new RBAC defaults'));
  describe('cinder: quota on accept through a trust, request bodies', () => cinderBodyChecks(ctx));
});

describe('contract (trusts, quota, bodies): simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(8);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
