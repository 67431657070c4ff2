// Every workflow the worker runs. Deterministic code only: no I/O, no Node built-ins.
export { cloudInventory } from './cloud-inventory';
export { replenishPool } from './replenish-pool';
export { reconcilePool } from './reconcile-pool';
export { syncOsCatalog } from './sync-os-catalog';
export { snapshotDrill, blockcommitDrill } from './drills';
export { cloneVolume } from './clone-volume';
export { createGeneratedVolume, describeVolume } from './clone-volume-ops';
export { createServer } from './create-server';
export { deleteServer } from './delete-server';
export { reapServerBuilds } from './reap-server-builds';
export { undoServerBuild } from './undo-server-build';
