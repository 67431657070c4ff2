import type { SimulatedCloud } from '../simulated-cloud';
import { schedule, settleStatus } from '../lifecycle';
import type { Snapshot } from '../state';

/** Snapshot state machine: creating -> available, deleting -> (gone). */
export class SnapshotLifecycle {
  constructor(private readonly cloud: SimulatedCloud) {
    cloud.scheduler.on('snapshot', (id) => this.settle(id));
  }

  admit(snapshot: Snapshot): void {
    snapshot.status = 'creating';
    this.cloud.state.snapshots.set(snapshot.id, snapshot);
    schedule(this.cloud.scheduler, 'snapshot', snapshot, 'available', this.cloud.options.plainCreateDelayMs);
  }

  startDelete(snapshot: Snapshot): void {
    snapshot.status = 'deleting';
    snapshot.updatedAt = Date.now();
    schedule(this.cloud.scheduler, 'snapshot', snapshot, 'deleted', this.cloud.options.deleteDelayMs);
  }

  remove(snapshotId: string): void {
    this.cloud.scheduler.cancel('snapshot', snapshotId);
    this.cloud.state.snapshots.delete(snapshotId);
  }

  private settle(id: string): void {
    if (settleStatus(this.cloud.state.snapshots.get(id), (gone) => this.remove(gone))) this.cloud.changed();
  }
}
