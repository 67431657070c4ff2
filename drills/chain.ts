// The qcow2 backing chain a drill runs on, named as in the seed: base.qcow2 ← overlay1.qcow2
// (case 1), base ← overlay1 ← overlay2 (case 2). Pristine copies are kept for the restore.
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runCommand } from './run-command';

export interface PrepareChainInput {
  workDir: string;
  /** Overlays on top of base: 1 → base ← overlay1, 2 → base ← overlay1 ← overlay2. */
  overlays: number;
  sizeMiB?: number;
}

export interface ChainLayout {
  workDir: string;
  /** Base first, active (top) last. */
  layers: string[];
  pristineDir: string;
}

export const PRISTINE_DIR = 'pristine';

/** base.qcow2 for index 0, overlay<index>.qcow2 above it. */
export function layerPath(workDir: string, index: number): string {
  return join(workDir, index === 0 ? 'base.qcow2' : `overlay${index}.qcow2`);
}

export async function prepareChain(input: PrepareChainInput): Promise<ChainLayout> {
  if (!Number.isInteger(input.overlays) || input.overlays < 1)
    throw new RangeError(`overlays must be ≥ 1: ${input.overlays}`);
  const { workDir } = input;
  const pristineDir = join(workDir, PRISTINE_DIR);
  await mkdir(pristineDir, { recursive: true });
  // QEMU runs as libvirt-qemu: it must be able to traverse into the work dir.
  await chmod(workDir, 0o755);

  const layers = Array.from({ length: input.overlays + 1 }, (_, index) => layerPath(workDir, index));
  await rm(layers[0], { force: true });
  await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', layers[0], `${input.sizeMiB ?? 64}M`]);
  for (let index = 1; index < layers.length; index++) {
    await rm(layers[index], { force: true });
    // Relative backing names keep the chain valid when the pristine copies are put back.
    await runCommand(
      'qemu-img',
      ['create', '-q', '-f', 'qcow2', '-b', basename(layers[index - 1]), '-F', 'qcow2', layers[index]],
      { cwd: workDir },
    );
  }
  for (const layer of layers) await copyFile(layer, join(pristineDir, basename(layer)));
  return { workDir, layers, pristineDir };
}
