// The names a server build gives what it makes. Pure (workflow code uses them too).

export const systemDiskName = (serverName: string) => `${serverName}-sys`;
export const swapDiskName = (serverName: string) => `${serverName}-swap`;
export const dataDiskName = (serverName: string) => `${serverName}-data`;
/** The admin-side name of a system disk built on demand (deterministic: a retry finds it). */
export const fallbackDiskName = (buildId: string) => `build-${buildId}-sys`;
/** The transfer's name says which build made it, so a retry or the reaper can find it. */
export const transferName = (buildId: string) => `blockflow-${buildId}`;
/** Transfers of pool volumes carry this prefix (the reaper deletes ones left pending). */
export const TRANSFER_PREFIX = 'blockflow-';
