import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PersistedState } from './state';

const SAVE_DEBOUNCE_MS = 200;

export function loadState(file: string): PersistedState | undefined {
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
  if (data.format !== 1) throw new Error(`${file}: unknown state file format ${String(data.format)}`);
  return data;
}

/**
 * Debounced, atomic saves: bursts of changes produce one write, and the file is
 * written to a temporary name then renamed, so a crash never leaves half a file.
 */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly snapshot: () => PersistedState,
  ) {}

  markDirty(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes now (after any write in progress) and cancels a pending debounced write. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
  }

  private save(): Promise<void> {
    const text = JSON.stringify(this.snapshot());
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}
