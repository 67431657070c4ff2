// Export-and-verify step of a drill, shared by the libvirt and the storage-daemon forms:
//   (a) the active chain, read through, holds records 1..N in order;
//   (b) the layer that was active at snapshot time, read ALONE, holds a clean prefix 1..k,
//       byte-identical to the copy read live right after the snapshot (it never changed);
//   (c) any extra layer that must hold that same prefix (e.g. the base of a top-base commit);
//   (d) `qemu-img check` finds no corruption in any layer.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { verifyRecords, type Verdict } from './verify';
import { checkImage, exportImageToRaw, type ImageCheck } from './export-image';

export const EXPORTS_DIR = 'exports';

export interface CaptureLiveCopyInput {
  workDir: string;
  oldLayer: string;
}

/** Reads the old layer alone while the VM/daemon still runs (qemu-img -U), right after the snapshot. */
export async function captureLiveCopy(input: CaptureLiveCopyInput): Promise<{ rawFile: string; elapsedMs: number }> {
  const rawFile = join(input.workDir, EXPORTS_DIR, `${basename(input.oldLayer, '.qcow2')}.live.raw`);
  const { elapsedMs } = await exportImageToRaw({
    image: input.oldLayer,
    output: rawFile,
    readAlone: true,
    forceShare: true,
  });
  return { rawFile, elapsedMs };
}

export interface VerifyLayersInput {
  workDir: string;
  records: number;
  /** Head of the chain after the drill; read through its backing chain. */
  activeImage: string;
  /** The layer that was active when the snapshot was taken. */
  oldLayer: string;
  liveCopy?: string;
  /** Layers that, read alone, must hold exactly the old layer's prefix too. */
  samePrefixLayers?: string[];
  /** Every qcow2 to `qemu-img check`. */
  checkImages: string[];
}

export interface LayerVerification {
  active: Verdict;
  oldLayer: Verdict;
  /** undefined when no live copy was given. */
  oldLayerMatchesLiveCopy?: boolean;
  samePrefix: { image: string; verdict: Verdict }[];
  checks: ImageCheck[];
  /** Empty when every check passed. */
  failures: string[];
}

export async function verifyDrillLayers(input: VerifyLayersInput): Promise<LayerVerification> {
  const rawOf = (image: string, suffix: string) =>
    join(input.workDir, EXPORTS_DIR, `${basename(image, '.qcow2')}.${suffix}.raw`);
  const failures: string[] = [];

  const activeRaw = (await exportImageToRaw({ image: input.activeImage, output: rawOf(input.activeImage, 'chain') }))
    .output;
  const active = verifyRecords(await readFile(activeRaw), { records: input.records, mode: 'complete' });
  if (!active.ok) failures.push(`active chain ${basename(input.activeImage)}: ${active.reason}`);

  const oldRaw = (
    await exportImageToRaw({ image: input.oldLayer, output: rawOf(input.oldLayer, 'alone'), readAlone: true })
  ).output;
  const oldBytes = await readFile(oldRaw);
  const oldLayer = verifyRecords(oldBytes, { records: input.records, mode: 'prefix' });
  if (!oldLayer.ok) failures.push(`old layer ${basename(input.oldLayer)} alone: ${oldLayer.reason}`);

  let oldLayerMatchesLiveCopy: boolean | undefined;
  if (input.liveCopy) {
    oldLayerMatchesLiveCopy = oldBytes.equals(await readFile(input.liveCopy));
    if (!oldLayerMatchesLiveCopy)
      failures.push(`old layer ${basename(input.oldLayer)} changed after the snapshot (differs from its live copy)`);
  }

  const samePrefix: LayerVerification['samePrefix'] = [];
  for (const image of input.samePrefixLayers ?? []) {
    const raw = (await exportImageToRaw({ image, output: rawOf(image, 'alone'), readAlone: true })).output;
    const verdict = verifyRecords(await readFile(raw), { records: input.records, mode: 'prefix' });
    samePrefix.push({ image, verdict });
    if (!verdict.ok) failures.push(`${basename(image)} alone: ${verdict.reason}`);
    else if (verdict.k !== oldLayer.k)
      failures.push(`${basename(image)} alone holds ${verdict.k} records, the old layer ${oldLayer.k}`);
  }

  const checks = await Promise.all(input.checkImages.map((image) => checkImage(image)));
  for (const check of checks)
    if (!check.ok) failures.push(`qemu-img check ${basename(check.image)}: ${check.corruptions} corruptions`);

  return { active, oldLayer, oldLayerMatchesLiveCopy, samePrefix, checks, failures };
}
