import type { SimulatedCloud } from '../simulated-cloud';
import { newUuid } from '../ids';
import { schedule, takePending } from '../lifecycle';
import type { Server, Volume } from '../state';
import type { PlannedNic } from './server-request';

/**
 * Server state machine, with its effect on the volumes it boots from and the ports it uses:
 *   create:  server BUILD; each volume `reserved` with a reserved attachment (nova's attachment_create);
 *            a neutron port per NIC (device_id = server id)
 *   booted:  server ACTIVE; volumes `in-use`, attachments attached   (after serverBootDelayMs)
 *   aborted: the compute node failed the build (a volume vanished or was taken, a fixed IP outside the
 *            network's subnets, an injected fault): server ERROR with nova's fault; its ports deleted;
 *            its volumes detached, and those marked delete_on_termination DELETED, as real nova does
 *   rescheduled with no host left (RESCHEDULED_BUILD): ERROR, ports deleted, volumes detached, none deleted
 *            until the server is: then those marked delete_on_termination are (its mappings were kept)
 *   delete:  task_state deleting; then the server and its ports are gone, delete_on_termination
 *            volumes are deleted (deleting -> gone), the others detached back to `available`
 */
/**
 * A build failure nova does not abort but reschedules (the compute node's port create refused, e.g. a
 * fixed IP held by a port the tenant cannot see): with no other host the conductor gives up with
 * MaxRetriesExceeded; the volumes were detached for the next host and none is deleted (nova 26).
 */
export const RESCHEDULED_BUILD = 'rescheduled: no other host';

export class ServerLifecycle {
  constructor(private readonly cloud: SimulatedCloud) {
    cloud.scheduler.on('server', (id) => this.settle(id));
  }

  boot(server: Server, nics: PlannedNic[]): void {
    server.volumes.forEach((sv, index) => {
      const volume = this.cloud.state.volumes.get(sv.volumeId);
      if (!volume) return;
      volume.status = 'reserved';
      volume.updatedAt = Date.now();
      // virtio disks in boot order: vda, vdb, …
      const device = `/dev/vd${String.fromCharCode(97 + index)}`;
      volume.attachments.push({ id: newUuid(), serverId: server.id, device, attachedAt: null, status: 'reserved' });
    });
    for (const nic of nics) {
      if (this.cloud.networking.createServerPort(server, nic.networkId, nic.fixedIp)) continue;
      // The network's pools are full: the compute node cannot plug the server (nova gives up on it).
      server.buildFailure ??= 'Failed to allocate the network(s), not rescheduling.';
      break;
    }
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
    const failure = server.buildFailure ?? (lost && `Volume ${lost.volumeId} could not be found.`);
    if (failure === RESCHEDULED_BUILD) {
      this.giveUpBuild(server, now);
      return;
    }
    if (failure) {
      this.abortBuild(server, failure, now);
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

  /** nova's BuildAbortException on the compute node: the server stays, in ERROR, with nothing of its own left. */
  private abortBuild(server: Server, reason: string, now: number): void {
    server.status = 'ERROR';
    server.fault = { code: 500, message: `Build of instance ${server.id} aborted: ${reason}`, created: now };
    this.cloud.networking.releasePorts(server.id);
    this.releaseVolumes(server);
  }

  /** The conductor's MaxRetriesExceeded: ERROR, ports gone, volumes detached, none deleted. */
  private giveUpBuild(server: Server, now: number): void {
    server.status = 'ERROR';
    server.fault = {
      code: 500,
      message:
        'Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures ' +
        `for instance ${server.id}.`,
      created: now,
    };
    this.cloud.networking.releasePorts(server.id);
    this.releaseVolumes(server, false);
  }

  private finishDelete(server: Server): void {
    this.cloud.state.servers.delete(server.id);
    this.cloud.networking.releasePorts(server.id);
    this.releaseVolumes(server);
  }

  /** Detaches the server's volumes; deletes those marked delete_on_termination (unless `honourDelete` is false). */
  private releaseVolumes(server: Server, honourDelete = true): void {
    for (const sv of server.volumes) {
      const volume = this.cloud.state.volumes.get(sv.volumeId);
      // A volume that was taken from us meanwhile (fault), or already released, is not ours to touch; but
      // a rescheduled build kept its block device mappings, so its delete still takes the volumes it
      // detached and nobody took since (nova 26 deletes them with the ERROR server).
      const keptMapping = honourDelete && server.buildFailure === RESCHEDULED_BUILD && volume?.status === 'available';
      if (!volume || !(this.ourAttachment(volume, server.id) || keptMapping)) continue;
      volume.attachments = volume.attachments.filter((a) => a.serverId !== server.id);
      if (sv.deleteOnTermination && honourDelete) this.cloud.volumes.startDelete(volume);
      else if (volume.attachments.length === 0) {
        volume.status = 'available';
        volume.updatedAt = Date.now();
      }
    }
  }
}
