// The drill activities, for the Temporal worker to register. Each is a plain async function
// with JSON-serialisable input and output; long ones accept an optional heartbeat callback.
export { ensureLibvirtDaemons, stopLibvirtDaemons } from '../../drills/daemons';
export { ensureGuest } from '../../drills/guest/build-guest';
export { prepareChain } from './chain';
export { startDrillDomain } from './domain';
export { checkImage, exportImageToRaw } from './export-image';
export { liveBlockCommit } from './live-blockcommit';
export { liveSnapshot } from './live-snapshot';
export { restoreDrill } from './restore';
export { runStorageDaemonDrill } from './storage-daemon-drill';
export { captureLiveCopy, verifyDrillLayers } from './verify-layers';
export { waitForWriterDone, waitForWriterProgress } from './writer-progress';
