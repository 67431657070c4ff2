// The reconcile rules one by one (seed 001's check_volume_state and seed 000's sync rows).
import { describe, expect, it } from 'vitest';
import { decideReconcile, ORPHAN_INTENT_GRACE_MS, STUCK_CREATE_MS } from '../../pool/reconcile';
import type { Volume } from '../../openstack/cinder';

const ADMIN = 'admin-project';
const row = (over: Partial<{ status: string; allocated: boolean; volumeId: string | null; ageMs: number }> = {}) => ({
  status: 'creating',
  allocated: false,
  volumeId: 'v1',
  ageMs: 1000,
  ...over,
});
const volume = (over: Partial<Volume> = {}): Volume => ({
  id: 'v1',
  name: 'spare-x',
  status: 'available',
  size: 20,
  volume_type: 'sas',
  snapshot_id: 's',
  attachments: [],
  metadata: {},
  created_at: '2026-01-01T00:00:00',
  'os-vol-tenant-attr:tenant_id': ADMIN,
  ...over,
});

describe('decideReconcile', () => {
  it('creating → available is promoted; creating → creating is kept', () => {
    expect(decideReconcile(row(), volume(), ADMIN)).toEqual({ kind: 'set-status', status: 'available' });
    expect(decideReconcile(row(), volume({ status: 'creating' }), ADMIN)).toEqual({ kind: 'keep' });
    expect(decideReconcile(row({ status: 'available' }), volume(), ADMIN)).toEqual({ kind: 'keep' });
  });
  it('missing in Cinder → drop, nothing to delete', () => {
    expect(decideReconcile(row(), undefined, ADMIN)).toEqual({
      kind: 'drop',
      reason: 'deleted in Cinder',
      deleteInCinder: false,
    });
  });
  it('error → drop and delete the Cinder volume', () => {
    expect(decideReconcile(row({ status: 'available' }), volume({ status: 'error' }), ADMIN)).toMatchObject({
      kind: 'drop',
      deleteInCinder: true,
    });
  });
  it('attached or owned by another project → drop, never touch the volume', () => {
    expect(
      decideReconcile(row(), volume({ status: 'in-use', attachments: [{ server_id: 's' }] }), ADMIN),
    ).toMatchObject({ kind: 'drop', reason: 'taken by someone else', deleteInCinder: false });
    expect(decideReconcile(row(), volume({ 'os-vol-tenant-attr:tenant_id': 'other' }), ADMIN)).toMatchObject({
      kind: 'drop',
      reason: 'taken by someone else',
      deleteInCinder: false,
    });
  });
  it('claimed rows belong to a VM create in progress: kept whatever Cinder says', () => {
    expect(decideReconcile(row({ allocated: true }), undefined, ADMIN)).toEqual({ kind: 'keep' });
  });
  it('an intent without a volume id is kept during the grace period, then dropped', () => {
    expect(decideReconcile(row({ volumeId: null }), undefined, ADMIN)).toEqual({ kind: 'keep' });
    expect(decideReconcile(row({ volumeId: null, ageMs: ORPHAN_INTENT_GRACE_MS + 1 }), undefined, ADMIN)).toMatchObject(
      { kind: 'drop', deleteInCinder: false },
    );
  });
  it('a spare being purged waits while creating, then is deleted', () => {
    expect(decideReconcile(row({ status: 'purging' }), volume({ status: 'creating' }), ADMIN)).toEqual({
      kind: 'keep',
    });
    expect(decideReconcile(row({ status: 'purging' }), volume(), ADMIN)).toMatchObject({
      kind: 'drop',
      deleteInCinder: true,
    });
  });
  it('a create still `creating` past STUCK_CREATE_MS is marked stuck (no longer counted), then deleted', () => {
    const creating = volume({ status: 'creating' });
    expect(decideReconcile(row({ ageMs: STUCK_CREATE_MS - 1 }), creating, ADMIN)).toEqual({ kind: 'keep' });
    expect(decideReconcile(row({ ageMs: STUCK_CREATE_MS + 1 }), creating, ADMIN)).toEqual({
      kind: 'set-status',
      status: 'stuck',
    });
    expect(decideReconcile(row({ status: 'stuck' }), creating, ADMIN)).toEqual({ kind: 'keep' });
    expect(decideReconcile(row({ status: 'stuck' }), volume(), ADMIN)).toEqual({
      kind: 'drop',
      reason: 'stuck in creating',
      deleteInCinder: true,
    });
  });
  it('a row blockflow is deleting: the delete is finished (again in Cinder unless Cinder is at it)', () => {
    expect(decideReconcile(row({ status: 'deleting' }), volume(), ADMIN)).toEqual({
      kind: 'drop',
      reason: 'delete finished',
      deleteInCinder: true,
    });
    expect(decideReconcile(row({ status: 'deleting' }), volume({ status: 'deleting' }), ADMIN)).toMatchObject({
      kind: 'drop',
      deleteInCinder: false,
    });
    expect(decideReconcile(row({ status: 'deleting' }), undefined, ADMIN)).toMatchObject({ deleteInCinder: false });
  });
  it('any other status → drop', () => {
    expect(decideReconcile(row({ status: 'available' }), volume({ status: 'deleting' }), ADMIN)).toMatchObject({
      kind: 'drop',
      reason: 'unexpected status deleting',
    });
  });
});
