import type { PageRange } from './geometry';

/**
 * One bit per page (FORMAT.md: bit i in byte i >> 3, mask 1 << (i & 7)).
 * Used for a clone chunk's "written" pages and a snapshot's "copied" pages.
 */
export class Bitmap {
  readonly bits: number;
  private readonly bytes: Uint8Array;

  constructor(bits: number, bytes?: Uint8Array) {
    this.bits = bits;
    this.bytes = new Uint8Array((bits + 7) >> 3);
    if (bytes) this.bytes.set(bytes.subarray(0, this.bytes.length));
  }

  get(i: number): boolean {
    return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0;
  }

  setRange(range: PageRange): void {
    for (let i = range.first; i <= range.last; i++) this.bytes[i >> 3] |= 1 << (i & 7);
  }

  /** Maximal runs inside `range` whose bits all equal `value`, in order. */
  runs(range: PageRange, value: boolean): PageRange[] {
    const out: PageRange[] = [];
    let start = -1;
    for (let i = range.first; i <= range.last + 1; i++) {
      const match = i <= range.last && this.get(i) === value;
      if (match && start < 0) start = i;
      if (!match && start >= 0) {
        out.push({ first: start, last: i - 1 });
        start = -1;
      }
    }
    return out;
  }

  allSet(range: PageRange): boolean {
    return this.runs(range, false).length === 0;
  }

  isFull(): boolean {
    return this.allSet({ first: 0, last: this.bits - 1 });
  }

  clone(): Bitmap {
    return new Bitmap(this.bits, this.bytes);
  }

  /** A copy of the raw bytes, safe to hand to callers. */
  toBytes(): Uint8Array {
    return this.bytes.slice();
  }
}
