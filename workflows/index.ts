// Every workflow the worker runs. Deterministic code only: no I/O, no Node built-ins.
export { cloudInventory } from './pool/cloud-inventory';
export { replenishPool } from './pool/replenish-pool';
export { reconcilePool } from './pool/reconcile-pool';
export { syncOsCatalog } from './pool/sync-os-catalog';
export { watchCatalog } from './pool/watch-catalog';
export { refreshPoolImage } from './pool/refresh-pool-image';
export { snapshotDrill, blockcommitDrill } from './drills/drills';
export { cloneVolume } from './volumes/clone-volume';
export { createGeneratedVolume, describeVolume } from './volumes/volume-ops';
export { createServer } from './servers/create-server';
export { deleteServer } from './servers/delete-server';
export { reapServerBuilds } from './servers/reap-server-builds';
export { undoServerBuild } from './servers/undo-server-build';
