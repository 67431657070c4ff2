/** Public contract of the chunk store; on-disk format in FORMAT.md. */
export { DataStore, type DataStoreOptions } from './data-store';
export type { ReadPath } from './store-options';
export { fileMappingUnavailable } from './file-mapping';
export type { ChunkInfo } from './chunk-meta';
export { ChunkStoreError, type ChunkStoreErrorCode } from './errors';
