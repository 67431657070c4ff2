// Splits the flatten into steps: a step is the next `pagesPerStep` pages of the volume in order
// (volume-wide page index = chunk * pagesPerChunk + page), cut at chunk boundaries into one
// flattenChunkRange call per chunk it touches. Pure, so the workflow replays it identically.

export interface ChunkRange {
  chunkIndex: number;
  firstPage: number;
  pageCount: number;
}

export function stepRanges(cursor: number, pagesPerStep: number, pagesPerChunk: number, chunks: number): ChunkRange[] {
  const end = Math.min(cursor + pagesPerStep, chunks * pagesPerChunk);
  const ranges: ChunkRange[] = [];
  for (let at = cursor; at < end;) {
    const chunkIndex = Math.floor(at / pagesPerChunk);
    const firstPage = at - chunkIndex * pagesPerChunk;
    const pageCount = Math.min(pagesPerChunk - firstPage, end - at);
    ranges.push({ chunkIndex, firstPage, pageCount });
    at += pageCount;
  }
  return ranges;
}
