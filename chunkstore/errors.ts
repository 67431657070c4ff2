/**
 * Typed errors of the chunk store. Every refusal of a DataStore method is a
 * ChunkStoreError whose `code` names the reason (the seed's CSErrorCode set;
 * `PageNerverWrittenError` is spelled correctly here).
 */
export type ChunkStoreErrorCode =
  | 'InvalidArgError'
  | 'ChunkNotExistError'
  | 'BackwardRequestError'
  | 'SnapshotConflictError'
  | 'StatusConflictError'
  | 'ChunkConflictError'
  | 'PageNeverWrittenError'
  | 'SnapshotExistError'
  | 'CrcCheckError';

export class ChunkStoreError extends Error {
  readonly code: ChunkStoreErrorCode;

  constructor(code: ChunkStoreErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ChunkStoreError';
    this.code = code;
  }
}

/** Throws a ChunkStoreError; typed `never` so it can end an expression. */
export function fail(code: ChunkStoreErrorCode, message: string): never {
  throw new ChunkStoreError(code, message);
}
