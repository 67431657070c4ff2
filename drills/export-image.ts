// Exports images to raw for verification, and checks qcow2 metadata.
// An old layer is read ALONE (backing cut off with the json: `"backing": null` trick) so that
// what it holds is judged on its own, not mixed with the layers under it.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runCommand, CommandError } from './run-command';

export interface ExportImageInput {
  image: string;
  output: string;
  /** Read only this qcow2 file, without its backing chain. */
  readAlone?: boolean;
  /** `-U`: read while a running QEMU holds the image (the live copy right after a snapshot). */
  forceShare?: boolean;
  timeoutMs?: number;
}

export async function exportImageToRaw(input: ExportImageInput): Promise<{ output: string; elapsedMs: number }> {
  await mkdir(dirname(input.output), { recursive: true });
  const source = input.readAlone
    ? `json:${JSON.stringify({ driver: 'qcow2', backing: null, file: { driver: 'file', filename: input.image } })}`
    : input.image;
  const args = [
    'convert',
    ...(input.forceShare ? ['-U'] : []),
    ...(input.readAlone ? [] : ['-f', 'qcow2']),
    '-O',
    'raw',
    source,
    input.output,
  ];
  const started = performance.now();
  await runCommand('qemu-img', args, { timeoutMs: input.timeoutMs ?? 120_000 });
  return { output: input.output, elapsedMs: performance.now() - started };
}

export interface ImageCheck {
  image: string;
  /** No corruption. Leaked clusters only waste space and are reported, not failed. */
  ok: boolean;
  corruptions: number;
  leaks: number;
  detail: string;
}

export async function checkImage(image: string, timeoutMs = 60_000): Promise<ImageCheck> {
  let stdout: string;
  try {
    ({ stdout } = await runCommand('qemu-img', ['check', '--output=json', image], { timeoutMs }));
  } catch (error) {
    // Exit 2 = corruptions, 3 = leaks: the JSON report is still on stdout.
    if (!(error instanceof CommandError) || error.exitCode === null || ![2, 3].includes(error.exitCode)) throw error;
    stdout = error.stdout;
  }
  const report = JSON.parse(stdout) as { corruptions?: number; leaks?: number; 'check-errors'?: number };
  const corruptions = (report.corruptions ?? 0) + (report['check-errors'] ?? 0);
  const leaks = report.leaks ?? 0;
  return { image, ok: corruptions === 0, corruptions, leaks, detail: stdout.trim() };
}
