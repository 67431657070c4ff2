import { fail } from './errors';
import type { CheckpointState } from './log-checkpoint';
import { recordSize, type LoggedOp, type LogRecord } from './log-record';
import type { LogSegment } from './log-segment';

/**
 * A record of the tail to replay, by its place: read back from its segment when its turn comes, so that
 * a tail of hundreds of MiB (a checkpoint every `checkpointSegments`) is not held in memory at open.
 */
export class TailRecord {
  constructor(
    readonly seq: number,
    readonly kind: LoggedOp['kind'],
    readonly id: number,
    private readonly seg: LogSegment,
    private readonly pos: number,
    private readonly size: number,
  ) {}

  /**
   * The record, read again (its CRC checked again).
   * @throws CrcCheckError when it no longer reads back as found at open
   */
  read(): LogRecord {
    const rec = this.seg.read(this.pos, this.size);
    if (!rec || rec.seq !== this.seq) {
      fail('CrcCheckError', `op log record ${this.seq} no longer reads back at log_${this.seg.index}:${this.pos}`);
    }
    return rec;
  }
}

/** What the op log continues from at open (FORMAT.md "Op log", "Open"). */
export interface LogChain {
  /** the chain's segments in order; appends continue in the last one */
  readonly segments: LogSegment[];
  /** the records after the checkpoint, to replay */
  readonly records: TailRecord[];
  /** where the next record goes in the last segment */
  readonly position: number;
  /** the seq of the next record */
  readonly nextSeq: number;
}

type First = { seg: LogSegment; rec: LogRecord };

/** The candidate with the highest seq (ties: the higher epoch). */
function best(cands: First[]): First | null {
  return cands.reduce<First | null>(
    (a, b) => (!a || b.rec.seq > a.rec.seq || (b.rec.seq === a.rec.seq && b.rec.epoch > a.rec.epoch) ? b : a),
    null,
  );
}

/**
 * Finds the chain after `ckpt` among `segments` (of `size` bytes) from the records at their offset 0:
 * the segment whose first seq is the highest <= ckpt.seq + 1, records read while the CRC holds, seq is the
 * previous + 1 and the epoch neither goes down nor reaches `epoch` (this open's), then the segment whose
 * first record has the next seq. Sets each chain segment's lastSeq.
 */
export function findChain(segments: readonly LogSegment[], ckpt: CheckpointState, epoch: number, size: number) {
  const firsts = segments.flatMap((seg) => {
    const rec = seg.read(0, size);
    return rec && rec.epoch < epoch ? [{ seg, rec }] : [];
  });
  const chain: LogSegment[] = [];
  const records: TailRecord[] = [];
  let at = best(firsts.filter((f) => f.rec.seq <= ckpt.seq + 1));
  let expected = at?.rec.seq ?? 0;
  let lastEpoch = 0;
  let position = 0;
  while (at) {
    const seg = at.seg;
    chain.push(seg);
    let pos = 0;
    for (let rec = seg.read(0, size); rec; rec = seg.read(pos, size)) {
      if (rec.seq !== expected || rec.epoch < lastEpoch || rec.epoch >= epoch) break;
      if (rec.seq > ckpt.seq) records.push(new TailRecord(rec.seq, rec.op.kind, rec.op.id, seg, pos, size));
      seg.lastSeq = rec.seq;
      lastEpoch = rec.epoch;
      expected++;
      pos += recordSize(rec.op) + (rec.pad ?? 0);
    }
    position = pos;
    at = best(firsts.filter((f) => f.rec.seq === expected && f.rec.epoch >= lastEpoch && !chain.includes(f.seg)));
  }
  return { segments: chain, records, position, nextSeq: Math.max(expected, ckpt.seq + 1) } satisfies LogChain;
}
