import type { SimulatedCloud } from './simulated-cloud';
import { fault } from './errors';
import { newUuid, stableHexId } from './ids';
import { unschedule } from './lifecycle';
import { imageSnapshotRecord, type ImageSnapshotSpec } from './seed';
import type { Volume } from './state';
import type { RequestFaultRule } from './request-faults';

/** How someone else "takes" a volume from under the client. */
export type TakeVolume = { kind: 'attach'; serverId?: string } | { kind: 'move'; projectId?: string };

/** nova's reason when the compute node cannot plug a server's network (VirtualInterfaceCreateException). */
export const DEFAULT_BOOT_FAILURE = 'Failed to allocate the network(s), not rescheduling.';

/** A project no configured user belongs to: where "moved" volumes go by default. */
export const FOREIGN_PROJECT_ID = stableHexId('project', 'someone-else');

/**
 * Ways to make the cloud misbehave on purpose, for tests and manual drills. Each
 * acts on the cloud immediately; unknown ids throw cinder's 404 (an ApiError).
 */
export interface FaultInjector {
  /** Sets a volume's status outside the state machine (e.g. "error"), cancelling any pending transition. */
  setVolumeStatus(volumeId: string, status: string): void;
  /** Makes a volume disappear at once, as if deleted behind the client's back. */
  vanishVolume(volumeId: string): void;
  /** Someone else used the volume: attached it to their server (default) or moved it to another project. */
  takeVolume(volumeId: string, how?: TakeVolume): void;
  /** The next `count` volume creates are accepted (202) but end in `error`. */
  failNextCreates(count: number): void;
  /** Creation failures still to come from failNextCreates. */
  pendingCreateFailures(): number;
  /**
   * The next `count` server creates nova accepts (202) fail on the compute node: ERROR with the fault
   * "Build of instance … aborted: <reason>", ports deleted, delete_on_termination volumes deleted.
   */
  failNextBoots(count: number, reason?: string): void;
  /** The next `count` requests matching `method` and the `path` pattern fail with `status` (nothing changes). */
  failNextRequests(rule: RequestFaultRule): void;
  pendingRequestFailures(): number;
  pendingBootFailures(): number;
  /** Adds an OS image snapshot (owned by the admin project unless projectId is given); returns its id. */
  addSnapshot(spec: ImageSnapshotSpec): string;
  removeSnapshot(snapshotId: string): void;
}

export function createFaultInjector(cloud: SimulatedCloud): FaultInjector {
  const volume = (id: string): Volume => {
    const found = cloud.state.volumes.get(id);
    if (!found) throw fault.notFound(`Volume ${id} could not be found.`);
    return found;
  };
  const done = () => cloud.changed();

  return {
    setVolumeStatus(volumeId, status) {
      cloud.volumes.force(volume(volumeId), status);
      done();
    },
    vanishVolume(volumeId) {
      volume(volumeId);
      cloud.volumes.remove(volumeId);
      done();
    },
    takeVolume(volumeId, how = { kind: 'attach' }) {
      const target = volume(volumeId);
      unschedule(cloud.scheduler, 'volume', target);
      // Whatever transfer was pending is void once someone else has the volume.
      for (const [id, transfer] of cloud.state.transfers)
        if (transfer.volumeId === volumeId) cloud.state.transfers.delete(id);
      if (how.kind === 'move') {
        target.projectId = how.projectId ?? FOREIGN_PROJECT_ID;
        target.status = target.attachments.length ? target.status : 'available';
      } else {
        const serverId = how.serverId ?? newUuid();
        target.attachments.push({
          id: newUuid(),
          serverId,
          device: '/dev/vdb',
          attachedAt: Date.now(),
          status: 'attached',
        });
        target.status = 'in-use';
      }
      target.updatedAt = Date.now();
      done();
    },
    failNextCreates(count) {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`failNextCreates: count must be a non-negative integer, got ${count}`);
      cloud.failNextCreates(count);
    },
    pendingCreateFailures() {
      return cloud.pendingForcedFailures();
    },
    failNextBoots(count, reason = DEFAULT_BOOT_FAILURE) {
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`failNextBoots: count must be a non-negative integer, got ${count}`);
      }
      cloud.failNextBoots(count, reason);
    },
    pendingBootFailures() {
      return cloud.pendingBootFailures();
    },
    failNextRequests(rule) {
      cloud.requestFaults.arm(rule);
    },
    pendingRequestFailures() {
      return cloud.requestFaults.pending();
    },
    addSnapshot(spec) {
      // A re-published image keeps its name but is a new snapshot (seeded ones keep stable ids).
      const snapshot = { ...imageSnapshotRecord(cloud.state, cloud.directory, spec), id: newUuid() };
      cloud.state.snapshots.set(snapshot.id, snapshot);
      done();
      return snapshot.id;
    },
    removeSnapshot(snapshotId) {
      if (!cloud.state.snapshots.has(snapshotId)) throw fault.notFound(`Snapshot ${snapshotId} could not be found.`);
      cloud.snapshots.remove(snapshotId);
      done();
    },
  };
}
