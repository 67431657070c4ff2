// Live external disk-only snapshot of the running drill domain: vda switches to a new
// qcow2 overlay whose backing file is the previously active image.
import { destroyDomain, activeDiskSource, virsh } from './virsh';

export interface LiveSnapshotInput {
  domainName: string;
  /** Path of the overlay to create (must not exist). */
  newOverlay: string;
  timeoutMs?: number;
}

export interface LiveSnapshotResult {
  /** vda's source after the snapshot, as libvirt reports it (equals newOverlay). */
  activeImage: string;
  elapsedMs: number;
}

export async function liveSnapshot(input: LiveSnapshotInput): Promise<LiveSnapshotResult> {
  const started = performance.now();
  try {
    await virsh(
      [
        'snapshot-create-as',
        input.domainName,
        'drill-snap',
        '--disk-only',
        '--atomic',
        '--no-metadata',
        '--diskspec',
        `vda,snapshot=external,file=${input.newOverlay}`,
      ],
      input.timeoutMs ?? 60_000,
    );
  } catch (error) {
    await destroyDomain(input.domainName).catch(() => undefined);
    throw error;
  }
  const elapsedMs = performance.now() - started;
  const activeImage = await activeDiskSource(input.domainName);
  if (activeImage !== input.newOverlay)
    throw new Error(`after the snapshot vda is ${activeImage}, expected ${input.newOverlay}`);
  return { activeImage, elapsedMs };
}
