import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Read-only shared mappings of the store's files (FORMAT.md "Mapped reads"), through the small N-API binding
 * in native/file-mapping.c that scripts/build-native.sh compiles (`npm start` and `npm test` run it).
 *
 * Why: a 4 KiB read from the page cache costs ~1 µs as a `readSync` (binding, argument checks, the pread
 * syscall) and ~0.1 µs as a copy out of a mapping of the same page cache. Nothing is cached in user space:
 * MAP_SHARED shows the kernel's pages, so a write by any thread is seen by the next read.
 * Touching a page past the file's end (a file cut short from outside) or one the disk cannot read raises
 * SIGBUS where pread would return 0 or EIO; the binding's copy catches it and says so, and the caller reads
 * with pread from then on, which reports what happened. So nothing reads the mapping but `copyInto`.
 */

interface Binding {
  map(fd: number, length: number): ArrayBuffer;
  copy(buffer: ArrayBuffer, offset: number, target: Uint8Array): boolean;
  unmap(buffer: ArrayBuffer): void;
}

/** Where scripts/build-native.sh puts the binding. */
export const BINDING_PATH = fileURLToPath(new URL('../native/build/file-mapping.node', import.meta.url));

let loaded: { binding: Binding } | { why: string } | undefined;

function load(): { binding: Binding } | { why: string } {
  if (loaded) return loaded;
  try {
    loaded = { binding: createRequire(import.meta.url)(BINDING_PATH) as Binding };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    loaded = { why: `${BINDING_PATH} did not load (${reason}); run scripts/build-native.sh` };
  }
  return loaded;
}

/** Why mapped reads are not available here, or null when they are. */
export function fileMappingUnavailable(): string | null {
  const got = load();
  return 'why' in got ? got.why : null;
}

/** One mapping of a file's first `length` bytes, until unmap(). */
export class FileMapping {
  readonly length: number;

  private constructor(
    private readonly binding: Binding,
    private readonly buffer: ArrayBuffer,
  ) {
    this.length = buffer.byteLength;
  }

  /**
   * Maps `length` bytes of `fd` from offset 0. Throws when the binding is missing (check
   * fileMappingUnavailable first) or mmap fails (e.g. beyond vm.max_map_count mappings).
   */
  static map(fd: number, length: number): FileMapping {
    const got = load();
    if ('why' in got) throw new Error(got.why);
    return new FileMapping(got.binding, got.binding.map(fd, length));
  }

  /**
   * Copies `target.length` bytes from file position `offset` (within `length`; RangeError otherwise, and after
   * unmap). False when the kernel raised SIGBUS: the file is now shorter than the mapping, or the disk failed;
   * `target` then holds an unknown part of the bytes.
   */
  copyInto(offset: number, target: Uint8Array): boolean {
    return this.binding.copy(this.buffer, offset, target);
  }

  /** Ends the mapping at once (munmap, before the caller closes or unlinks the file). Idempotent. */
  unmap(): void {
    this.binding.unmap(this.buffer);
  }
}
