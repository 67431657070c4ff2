import type { ChunkStoreError } from '../../chunkstore/index';

/**
 * Reference model of ONE chunk of the DataStore, written from the seed
 * (002, Curve chunkserver DataStore test design) and independent of the
 * implementation: only the error code names are shared with chunkstore/.
 *
 * Page contents are abstract: 0 = never written (the seed: "读到的数据无需验证",
 * any bytes are acceptable), n > 0 = the page written with data tag n.
 * `step` is pure and returns every outcome the seed allows for an operation;
 * there is more than one only where the seed contradicts itself:
 *  - DeleteChunk while a snapshot exists: case 57 says Success and both files
 *    deleted, snapshot scenario 3 says SnapshotExistError, nothing deleted;
 *  - requests that break two rules at once (e.g. a misaligned AND backward
 *    write): the seed never says which check comes first; both refusals leave
 *    the chunk unchanged.
 */

export type ErrorCode = ChunkStoreError['code'];

export interface Geometry {
  readonly chunkSize: number;
  readonly pageSize: number;
}

/** 0 = never written (unspecified bytes), > 0 = data tag. */
export type Page = number;
/** Snapshot page not copied-on-write yet: the snapshot reads the chunk's page. */
export const NOT_COPIED = -1;

export interface ChunkState {
  readonly sn: number;
  readonly correctedSn: number;
  /** clone chunk: source location and the pages written since CreateCloneChunk. */
  readonly clone: { readonly location: string; readonly written: readonly boolean[] } | null;
  readonly pages: readonly Page[];
  /** the one snapshot: its version and, per page, the COW copy or NOT_COPIED. */
  readonly snap: { readonly sn: number; readonly copied: readonly Page[] } | null;
}

/** null = the chunk does not exist. */
export type State = ChunkState | null;

interface Range {
  readonly offset: number;
  readonly length: number;
}

/** Write/Paste carry one data tag per page of the range (empty when the range is not page-aligned). */
export type Op =
  | ({ kind: 'write'; sn: number; tags: readonly number[] } & Range)
  | ({ kind: 'read'; sn: number } & Range)
  | ({ kind: 'readSnap'; sn: number } & Range)
  | { kind: 'delete'; sn: number }
  | { kind: 'deleteSnap'; correctedSn: number }
  | { kind: 'clone'; sn: number; correctedSn: number; size: number; location: string }
  | ({ kind: 'paste'; tags: readonly number[] } & Range)
  | { kind: 'info' };

export interface InfoView {
  sn: number;
  correctedSn: number;
  snapSn: number;
  isClone: boolean;
  location: string;
  bitmap: boolean[] | null;
}

export type Result = { ok: true; pages?: Page[]; info?: InfoView } | { ok: false; code: ErrorCode };

export interface Outcome {
  readonly result: Result;
  readonly next: State;
}

const refuse = (code: ErrorCode, s: State): Outcome => ({ result: { ok: false, code }, next: s });
const done = (next: State, extra: Omit<Extract<Result, { ok: true }>, 'ok'> = {}): Outcome => ({
  result: { ok: true, ...extra },
  next,
});

export function pageCount(geometry: Geometry): number {
  return geometry.chunkSize / geometry.pageSize;
}

/** The request range is page-aligned, non-empty and inside the chunk. */
export function validRange(geometry: Geometry, r: Range): boolean {
  return (
    Number.isInteger(r.offset) &&
    Number.isInteger(r.length) &&
    r.offset >= 0 &&
    r.length > 0 &&
    r.offset % geometry.pageSize === 0 &&
    r.length % geometry.pageSize === 0 &&
    r.offset + r.length <= geometry.chunkSize
  );
}

function pagesOf(geometry: Geometry, r: Range): number[] {
  const first = r.offset / geometry.pageSize;
  return Array.from({ length: r.length / geometry.pageSize }, (_, i) => first + i);
}

function newChunk(geometry: Geometry, sn: number, correctedSn: number, location: string | null): ChunkState {
  const n = pageCount(geometry);
  return {
    sn,
    correctedSn,
    clone: location === null ? null : { location, written: new Array<boolean>(n).fill(false) },
    pages: new Array<Page>(n).fill(0),
    snap: null,
  };
}

/** Mutable deep copy used while computing the next state. */
interface Draft {
  sn: number;
  correctedSn: number;
  clone: { location: string; written: boolean[] } | null;
  pages: Page[];
  snap: { sn: number; copied: Page[] } | null;
}

function draft(s: ChunkState): Draft {
  return {
    sn: s.sn,
    correctedSn: s.correctedSn,
    clone: s.clone && { location: s.clone.location, written: [...s.clone.written] },
    pages: [...s.pages],
    snap: s.snap && { sn: s.snap.sn, copied: [...s.snap.copied] },
  };
}

/** Stores data pages; a clone records them as written and becomes a normal chunk once all are (cases 27, 40). */
function putPages(d: Draft, pages: number[], tags: readonly number[], onlyUnwritten: boolean): void {
  pages.forEach((p, i) => {
    if (d.clone && onlyUnwritten && d.clone.written[p]) return;
    d.pages[p] = tags[i];
    if (d.clone) d.clone.written[p] = true;
  });
  if (d.clone && d.clone.written.every(Boolean)) d.clone = null;
}

/** Refusal when the range is invalid and/or `backward` holds; both at once → either code (order unspecified). */
function refusals(geometry: Geometry, s: State, r: Range, backward: boolean): Outcome[] | null {
  const bad = !validRange(geometry, r);
  if (bad && backward) return [refuse('InvalidArgError', s), refuse('BackwardRequestError', s)];
  if (bad) return [refuse('InvalidArgError', s)];
  if (backward) return [refuse('BackwardRequestError', s)];
  return null;
}

function write(geometry: Geometry, s0: State, op: Extract<Op, { kind: 'write' }>): Outcome[] {
  if (op.sn === 0) return [refuse('InvalidArgError', s0)]; // case 1: no chunk is created
  // cases 2/3: a missing chunk is created (sn = request sn, correctedSn 0) even if the range is then refused
  const s = s0 ?? newChunk(geometry, op.sn, 0, null);
  const refused = refusals(geometry, s, op, op.sn < s.sn || op.sn < s.correctedSn); // cases 12-16, 23, 31
  if (refused) return refused;
  const d = draft(s);
  if (op.sn > Math.max(d.sn, d.correctedSn)) {
    // a new version: the seed makes a snapshot of the current version (case 9)
    if (d.snap) {
      if (d.snap.sn < d.sn) return [refuse('SnapshotConflictError', s)]; // case 20 ①: old snapshot not deleted
      // case 20 ②/③: snapshot made before a restart, reused
    } else if (d.clone) {
      return [refuse('StatusConflictError', s)]; // case 30
    } else {
      d.snap = { sn: d.sn, copied: new Array<Page>(d.pages.length).fill(NOT_COPIED) };
    }
  }
  if (op.sn > d.sn) d.sn = op.sn; // cases 9, 10, 22, 28
  const pages = pagesOf(geometry, op);
  if (d.snap && d.snap.sn < d.sn && op.sn > d.correctedSn) {
    // COW each page once (cases 17-19); not for sn == correctedSn (cases 21, 22)
    const snap = d.snap;
    for (const p of pages) if (snap.copied[p] === NOT_COPIED) snap.copied[p] = d.pages[p];
  }
  putPages(d, pages, op.tags, false);
  return [done(d)];
}

function readView(geometry: Geometry, s: ChunkState, r: Range, fromSnapshot: boolean): Outcome {
  const pages = pagesOf(geometry, r);
  if (!fromSnapshot && s.clone && pages.some((p) => !s.clone!.written[p])) {
    return refuse('PageNeverWrittenError', s); // cases 83, 85, 98, 100
  }
  const snap = s.snap;
  const view = pages.map((p) => (fromSnapshot && snap && snap.copied[p] !== NOT_COPIED ? snap.copied[p] : s.pages[p]));
  return done(s, { pages: view });
}

function read(geometry: Geometry, s: State, op: Extract<Op, { kind: 'read' }>): Outcome[] {
  if (!s) return [refuse('ChunkNotExistError', s)]; // case 74
  if (!validRange(geometry, op)) return [refuse('InvalidArgError', s)]; // cases 75, 76
  return [readView(geometry, s, op, false)]; // the sn of ReadChunk is not looked at (cases 77, 78)
}

function readSnap(geometry: Geometry, s: State, op: Extract<Op, { kind: 'readSnap' }>): Outcome[] {
  if (!s) return [refuse('ChunkNotExistError', s)]; // case 86
  if (!validRange(geometry, op)) return [refuse('InvalidArgError', s)]; // cases 87, 88
  if (op.sn === s.sn) return [readView(geometry, s, op, false)]; // cases 90-92, 94, 98-100
  if (!s.snap || op.sn !== s.snap.sn) return [refuse('ChunkNotExistError', s)]; // cases 89, 93
  return [readView(geometry, s, op, true)]; // cases 95-97
}

function del(s: State, op: Extract<Op, { kind: 'delete' }>): Outcome[] {
  if (!s) return [done(null)]; // case 53
  const backward = op.sn < s.sn; // case 56
  if (backward && s.snap) return [refuse('BackwardRequestError', s), refuse('SnapshotExistError', s)];
  if (backward) return [refuse('BackwardRequestError', s)];
  if (s.snap) return [refuse('SnapshotExistError', s), done(null)]; // case 57 vs snapshot scenario 3
  return [done(null)]; // cases 54, 55, 58
}

function deleteSnap(s: State, op: Extract<Op, { kind: 'deleteSnap' }>): Outcome[] {
  if (!s) return [done(null)]; // case 59
  if (s.clone) return [refuse('StatusConflictError', s)]; // case 73
  const current = Math.max(s.sn, s.correctedSn);
  if (op.correctedSn < current) return [refuse('BackwardRequestError', s)]; // cases 62-64, 69, 72
  const d = draft(s);
  if (d.snap && d.sn > d.snap.sn) d.snap = null; // cases 65, 67, 70 (kept: 66, 68, 71)
  if (op.correctedSn > current) d.correctedSn = op.correctedSn; // cases 60, 65, 66
  return [done(d)];
}

function createClone(geometry: Geometry, s: State, op: Extract<Op, { kind: 'clone' }>): Outcome[] {
  const invalid = op.sn === 0 || op.size !== geometry.chunkSize || op.location === '';
  if (invalid) return [refuse('InvalidArgError', s)]; // 41-43, 51
  if (!s) return [done(newChunk(geometry, op.sn, op.correctedSn, op.location))]; // cases 44, 45
  const same =
    s.clone !== null && s.clone.location === op.location && s.sn === op.sn && s.correctedSn === op.correctedSn;
  return [same ? done(s) : refuse('ChunkConflictError', s)]; // cases 46, 47 / 48-50, 52
}

function paste(geometry: Geometry, s: State, op: Extract<Op, { kind: 'paste' }>): Outcome[] {
  if (!s) return [refuse('ChunkNotExistError', s)]; // case 32
  if (!validRange(geometry, op)) return [refuse('InvalidArgError', s)]; // cases 33, 34
  if (!s.clone) return [done(s)]; // cases 35, 36: nothing written
  const d = draft(s);
  putPages(d, pagesOf(geometry, op), op.tags, true); // cases 37-40
  return [done(d)];
}

export function infoOf(s: ChunkState): InfoView {
  return {
    sn: s.sn,
    correctedSn: s.correctedSn,
    snapSn: s.snap ? s.snap.sn : 0,
    isClone: s.clone !== null,
    location: s.clone ? s.clone.location : '',
    bitmap: s.clone ? [...s.clone.written] : null,
  };
}

/** Every outcome the seed allows for `op` applied to `s`. */
export function step(geometry: Geometry, s: State, op: Op): Outcome[] {
  switch (op.kind) {
    case 'write':
      return write(geometry, s, op);
    case 'read':
      return read(geometry, s, op);
    case 'readSnap':
      return readSnap(geometry, s, op);
    case 'delete':
      return del(s, op);
    case 'deleteSnap':
      return deleteSnap(s, op);
    case 'clone':
      return createClone(geometry, s, op);
    case 'paste':
      return paste(geometry, s, op);
    case 'info':
      return s ? [done(s, { info: infoOf(s) })] : [refuse('ChunkNotExistError', s)]; // cases 101-104
  }
}

/** Compact identity of a state, for memoizing the linearizability search. */
export function stateKey(s: State): string {
  if (!s) return '-';
  const clone = s.clone ? `${s.clone.location}:${s.clone.written.map(Number).join('')}` : '';
  const snap = s.snap ? `${s.snap.sn}:${s.snap.copied.join(',')}` : '';
  return `${s.sn}/${s.correctedSn}/${clone}/${s.pages.join(',')}/${snap}`;
}
