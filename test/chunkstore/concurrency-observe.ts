import type { ChunkInfo } from '../../chunkstore/index';
import type { Geometry, InfoView, Result } from './model';

/**
 * Turning what the store returned into something the model can be compared
 * with. Data written by the workload is self-describing: every page carries
 * its tag in its first word and a tag-derived pattern in the others, so a
 * read result decodes back to one tag per page (UNRECOGNIZED when the page
 * is not exactly a page some request wrote, e.g. zeros or a torn page).
 */

export const UNRECOGNIZED = -2;

function word(tag: number, i: number): number {
  return i === 0 ? tag : Math.imul(tag ^ Math.imul(i, 0x9e3779b1), 0x85ebca77) >>> 0;
}

/** The bytes of `tags.length` pages, page i filled from tags[i]. */
export function encodePages(tags: readonly number[], pageSize: number): Uint8Array {
  const out = new Uint8Array(tags.length * pageSize);
  const view = new DataView(out.buffer);
  tags.forEach((tag, p) => {
    for (let i = 0; i < pageSize / 4; i++) view.setUint32(p * pageSize + i * 4, word(tag, i), true);
  });
  return out;
}

/** One tag per page of `data`, UNRECOGNIZED for a page that is not an encoded page. */
export function decodePages(data: Uint8Array, pageSize: number): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tags: number[] = [];
  for (let base = 0; base + pageSize <= data.byteLength; base += pageSize) {
    const tag = view.getUint32(base, true);
    let ok = tag !== 0;
    for (let i = 1; ok && i < pageSize / 4; i++) ok = view.getUint32(base + i * 4, true) === word(tag, i);
    tags.push(ok ? tag : UNRECOGNIZED);
  }
  return tags;
}

/** What one call returned: value or error code (`bad` flags a malformed value). */
export type Observed =
  { ok: true; pages?: number[]; info?: InfoView; bad?: string; any?: true } | { ok: false; code: string };

export function observeError(err: unknown): Observed {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string' && code.endsWith('Error')) return { ok: false, code };
  return { ok: false, code: `unexpected exception: ${String(err)}` };
}

export function observeData(data: Uint8Array, length: number, pageSize: number): Observed {
  if (data.byteLength !== length) return { ok: true, bad: `returned ${data.byteLength} bytes, asked ${length}` };
  return { ok: true, pages: decodePages(data, pageSize) };
}

export function observeInfo(info: ChunkInfo, id: number, geometry: Geometry): Observed {
  const pages = geometry.chunkSize / geometry.pageSize;
  if (info.chunkId !== id || info.chunkSize !== geometry.chunkSize || info.pageSize !== geometry.pageSize) {
    return { ok: true, bad: `info of chunk ${info.chunkId} size ${info.chunkSize}/${info.pageSize}` };
  }
  const bits = info.bitmap;
  return {
    ok: true,
    info: {
      sn: info.sn,
      correctedSn: info.correctedSn,
      snapSn: info.snapSn,
      isClone: info.isClone,
      location: info.location,
      bitmap: bits ? Array.from({ length: pages }, (_, i) => (bits[i >> 3] & (1 << (i & 7))) !== 0) : null,
    },
  };
}

function sameInfo(a: InfoView, b: InfoView): boolean {
  const bitmaps = a.bitmap === null || b.bitmap === null ? a.bitmap === b.bitmap : a.bitmap.join() === b.bitmap.join();
  return (
    a.sn === b.sn &&
    a.correctedSn === b.correctedSn &&
    a.snapSn === b.snapSn &&
    a.isClone === b.isClone &&
    a.location === b.location &&
    bitmaps
  );
}

/** Does the observation satisfy the model's result? A never-written page (0) matches any bytes. */
export function matches(expected: Result, observed: Observed): boolean {
  // a call cut short by a crash (crash-random.test.ts): whatever it would have returned
  if (observed.ok && observed.any) return true;
  if (!expected.ok) return !observed.ok && observed.code === expected.code;
  if (!observed.ok || observed.bad !== undefined) return false;
  if (expected.pages) {
    const got = observed.pages;
    if (!got || got.length !== expected.pages.length) return false;
    if (!expected.pages.every((tag, i) => tag === 0 || tag === got[i])) return false;
  }
  if (expected.info && !(observed.info && sameInfo(expected.info, observed.info))) return false;
  return true;
}

/** Short human form of a result or observation, for failure reports. */
export function describe(r: Result | Observed): string {
  if (!r.ok) return r.code;
  const parts: string[] = [];
  if ('bad' in r && r.bad) parts.push(`BAD ${r.bad}`);
  if (r.pages) parts.push(`pages [${r.pages.join(',')}]`);
  if (r.info) parts.push(JSON.stringify({ ...r.info, bitmap: r.info.bitmap?.map(Number).join('') ?? null }));
  return parts.length ? `ok ${parts.join(' ')}` : 'ok';
}
