import type { SimulatedCloud } from '../simulated-cloud';
import { newUuid } from '../ids';
import { schedule, takePending } from '../lifecycle';
import type { Server, Volume } from '../state';

/**
 * Server state machine, with its effect on the volumes it boots from:
 *   create:  server BUILD; each volume `reserved` with a reserved attachment (nova's attachment_create)
 *   booted:  server ACTIVE; volumes `in-use`, attachments attached   (after serverBootDelayMs)
 *            …or ERROR with a fault if a volume vanished or was taken meanwhile
 *   delete:  task_state deleting; then the server is gone, delete_on_termination volumes are
 *            deleted (deleting -> gone), the others detached back to `available`
 */
export class ServerLifecycle {
  constructor(private readonly cloud: SimulatedCloud) {
    cloud.scheduler.on('server', (id) => this.settle(id));
  }

  boot(server: Server): void {
    server.volumes.forEach((sv, index) => {
      const volume = this.cloud.state.volumes.get(sv.volumeId);
      if (!volume) return;
      volume.status = 'reserved';
      volume.updatedAt = Date.now();
      // virtio disks in boot order: vda, vdb, …
      const device = `/dev/vd${String.fromCharCode(97 + index)}`;
      volume.attachments.push({ id: newUuid(), serverId: server.id, device, attachedAt: null, status: 'reserved' });
    });
    this.cloud.state.servers.set(server.id, server);
    schedule(this.cloud.scheduler, 'server', server, 'ACTIVE', this.cloud.options.serverBootDelayMs);
  }

  startDelete(server: Server): void {
    server.taskState = 'deleting';
    server.updatedAt = Date.now();
    schedule(this.cloud.scheduler, 'server', server, 'deleted', this.cloud.options.serverDeleteDelayMs);
  }

  private settle(id: string): void {
    const server = this.cloud.state.servers.get(id);
    const to = takePending(server);
    if (!server || !to) return;
    if (to === 'deleted') this.finishDelete(server);
    else this.finishBoot(server);
    this.cloud.changed();
  }

  private ourAttachment(volume: Volume | undefined, serverId: string) {
    return volume?.attachments.find((a) => a.serverId === serverId);
  }

  private finishBoot(server: Server): void {
    const now = Date.now();
    const volumes = server.volumes.map((sv) => this.cloud.state.volumes.get(sv.volumeId));
    const lost = server.volumes.find((sv, i) => !this.ourAttachment(volumes[i], server.id));
    server.updatedAt = now;
    server.taskState = null;
    if (lost) {
      server.status = 'ERROR';
      server.fault = {
        code: 500,
        message: `Build of instance ${server.id} aborted: Volume ${lost.volumeId} could not be found.`,
        created: now,
      };
      return;
    }
    server.status = 'ACTIVE';
    server.launchedAt = now;
    for (const volume of volumes) {
      const attachment = this.ourAttachment(volume, server.id);
      if (!volume || !attachment) continue;
      attachment.status = 'attached';
      attachment.attachedAt = now;
      volume.status = 'in-use';
      volume.updatedAt = now;
    }
  }

  private finishDelete(server: Server): void {
    this.cloud.state.servers.delete(server.id);
    for (const sv of server.volumes) {
      const volume = this.cloud.state.volumes.get(sv.volumeId);
      // A volume that was taken from us meanwhile (fault) is someone else's business now.
      if (!volume || !this.ourAttachment(volume, server.id)) continue;
      volume.attachments = volume.attachments.filter((a) => a.serverId !== server.id);
      if (sv.deleteOnTermination) this.cloud.volumes.startDelete(volume);
      else if (volume.attachments.length === 0) {
        volume.status = 'available';
        volume.updatedAt = Date.now();
      }
    }
  }
}
