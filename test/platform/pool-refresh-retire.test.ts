// retireOldSpare (pool/refresh, issue 23): an older generation's spare the pool still records
// `creating`. A refresh settles only its own generation's creates, so Cinder may have finished this one
// meanwhile (or failed it, or lost it): then it goes now, with its volume, rather than staying `purging`
// until reconcile's next pass (pool-catalog-watch once waited on such a row). Still creating in Cinder,
// which refuses to delete it, it is marked `purging` as before. Real PostgreSQL + the simulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSpareVolume } from '../../pool/create-spare';
import type { PoolKind } from '../../pool/kinds';
import { retireOldSpare } from '../../pool/refresh';
import { waitFor, type Platform } from './harness';
import { startPool, testPoolConfig } from './pool-fixture';

const KIND: PoolKind = { volumeType: 'ssd', osName: 'Debian9 64bit' };
const NEWER = 'a-newer-snapshot';

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig());
});
afterAll(async () => p?.close());
beforeEach(async () => {
  await p.prisma.spareVolume.deleteMany({ where: KIND });
});

let slot = 0;
/** A spare of the catalog's snapshot, made in Cinder, that the pool has not settled (`creating`). */
async function unsettledSpare() {
  const image = await p.prisma.osImage.findFirstOrThrow({ where: KIND });
  const made = await createSpareVolume(p.prisma, p.cloud, {
    name: `spare-retire-${slot++}`,
    ...KIND,
    snapshotId: image.snapshotId,
    sizeGb: image.sizeGb,
    target: 10,
  });
  if (!('volumeId' in made)) throw new Error(`no create: ${JSON.stringify(made)}`);
  const { volumeId } = made;
  await waitFor('Cinder done with the create', async () => {
    const status = (await p.cloud.admin.cinder.getVolume(volumeId)).status;
    return status !== 'creating';
  });
  expect(await p.prisma.spareVolume.findFirstOrThrow({ where: { volumeId } })).toMatchObject({ status: 'creating' });
  return volumeId;
}

const rowOf = (volumeId: string) => p.prisma.spareVolume.findFirst({ where: { volumeId } });
const inCinder = (volumeId: string) =>
  p.cloud.admin.cinder.getVolume(volumeId).then(
    (v) => v.status,
    () => 'gone',
  );

describe('retireOldSpare: an older spare the pool still records creating', () => {
  it.each(['available', 'error'])('%s in Cinder: it goes now, with its volume', async (status) => {
    const volumeId = await unsettledSpare();
    p.sim.faults.setVolumeStatus(volumeId, status);
    expect(await retireOldSpare(p.prisma, p.cloud, KIND, NEWER, 0)).toBe(true);
    expect(await rowOf(volumeId)).toBeNull();
    await waitFor('the volume deleted', async () => (await inCinder(volumeId)) === 'gone');
  });

  it('gone from Cinder: its row goes', async () => {
    const volumeId = await unsettledSpare();
    p.sim.faults.vanishVolume(volumeId);
    expect(await retireOldSpare(p.prisma, p.cloud, KIND, NEWER, 0)).toBe(true);
    expect(await rowOf(volumeId)).toBeNull();
  });

  it('still creating in Cinder: marked purging, left to reconcile (Cinder refuses to delete it)', async () => {
    const volumeId = await unsettledSpare();
    p.sim.faults.setVolumeStatus(volumeId, 'creating');
    expect(await retireOldSpare(p.prisma, p.cloud, KIND, NEWER, 0)).toBe(true);
    expect(await rowOf(volumeId)).toMatchObject({ status: 'purging' });
    expect(await inCinder(volumeId)).toBe('creating');
  });
});
