// The names a server build gives what it makes. Pure (workflow code uses them too).

export const systemDiskName = (serverName: string) => `${serverName}-sys`;
export const swapDiskName = (serverName: string) => `${serverName}-swap`;
export const dataDiskName = (serverName: string) => `${serverName}-data`;
/** The admin-side name of a system disk built on demand (deterministic: a retry finds it). */
export const fallbackDiskName = (buildId: string) => `build-${buildId}-sys`;
