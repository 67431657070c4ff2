import type { SimulatedCloud } from '../simulated-cloud';
import { fault } from '../errors';
import { schedule, settleStatus, unschedule } from '../lifecycle';
import type { Volume } from '../state';

/**
 * The volume state machine's timed parts:
 *   creating -> available | error   (after createDelayMs from a snapshot, plainCreateDelayMs otherwise,
 *                                    plus the overload model's extra latency)
 *   extending -> available          (after plainCreateDelayMs)
 *   retyping -> available | in-use  (after plainCreateDelayMs; the status it had before)
 *   deleting -> (gone)              (after deleteDelayMs)
 * Whether a create fails is decided at admission, from the number of creates then
 * in flight (overload.ts) and from injected faults (fail the next N creates).
 */
export class VolumeLifecycle {
  constructor(private readonly cloud: SimulatedCloud) {
    cloud.scheduler.on('volume', (id) => this.settle(id));
  }

  /** Adds a new volume in `creating` and schedules its outcome. */
  admit(volume: Volume): void {
    const { state, overload, options } = this.cloud;
    const baseDelay = volume.snapshotId ? options.createDelayMs : options.plainCreateDelayMs;
    const admission = overload.admit(state.creatingCount(), baseDelay);
    const forced = this.cloud.takeForcedCreateFailure();
    volume.status = 'creating';
    state.volumes.set(volume.id, volume);
    const outcome = admission.fails || forced ? 'error' : 'available';
    schedule(this.cloud.scheduler, 'volume', volume, outcome, baseDelay + admission.extraLatencyMs);
  }

  extend(volume: Volume, newSize: number): void {
    volume.size = newSize;
    this.transition(volume, 'extending', 'available');
  }

  /** The type changes at once (cinder's fake driver retypes in place, without a migration). */
  retype(volume: Volume, volumeTypeId: string): void {
    volume.volumeTypeId = volumeTypeId;
    this.transition(volume, 'retyping', volume.status === 'in-use' ? 'in-use' : 'available');
  }

  /** cinder's update() guard, which renames and set_bootable pass through. */
  checkUpdatable(volume: Volume): void {
    if (volume.status === 'maintenance') {
      throw fault.badRequest('Invalid volume: The volume cannot be updated during maintenance.');
    }
  }

  startDelete(volume: Volume): void {
    volume.status = 'deleting';
    volume.updatedAt = Date.now();
    schedule(this.cloud.scheduler, 'volume', volume, 'deleted', this.cloud.options.deleteDelayMs);
  }

  private transition(volume: Volume, now: string, then: 'available' | 'in-use'): void {
    volume.status = now;
    volume.updatedAt = Date.now();
    schedule(this.cloud.scheduler, 'volume', volume, then, this.cloud.options.plainCreateDelayMs);
  }

  /** Sets a status outside the state machine (faults), cancelling any pending transition. */
  force(volume: Volume, status: string): void {
    unschedule(this.cloud.scheduler, 'volume', volume);
    volume.status = status;
    volume.updatedAt = Date.now();
  }

  /** Removes a volume at once, with everything that refers to it. */
  remove(volumeId: string): void {
    const { state, scheduler } = this.cloud;
    scheduler.cancel('volume', volumeId);
    state.volumes.delete(volumeId);
    for (const [id, transfer] of state.transfers) if (transfer.volumeId === volumeId) state.transfers.delete(id);
  }

  private settle(id: string): void {
    if (settleStatus(this.cloud.state.volumes.get(id), (gone) => this.remove(gone))) this.cloud.changed();
  }
}
