// The two clouds the contract suite runs against: the built-in simulator and a real Keystone + Cinder +
// Placement + Nova + Neutron (contract/), both holding the same users, volume types and OS image
// snapshot (and flavors and network "private").
import { startRealOpenStack } from '../../contract';
import { IMAGE_SNAPSHOT, VOLUME_TYPES } from '../../contract/accounts';
import { CINDER_DEFAULT_QUOTAS, startSimulator } from '../../openstack-sim';

export interface Target {
  authUrl: string;
  /** The real peer's Keystone under the new RBAC defaults, when asked for ({ newRbac: true }). */
  newRbacAuthUrl?: string;
  stop(): Promise<void>;
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

export async function startSim(): Promise<Target> {
  const sim = await startSimulator({
    // Short, but long enough to observe "creating" and "deleting" as a client polling at 50 ms would.
    createDelayMs: 300,
    plainCreateDelayMs: 100,
    deleteDelayMs: 200,
    seed: { volumeTypes: [...VOLUME_TYPES], snapshots: [{ ...IMAGE_SNAPSHOT }], builtinDefaultType: true },
    // The real pair runs with cinder's stock quotas; so does the simulator here (its own default is unlimited).
    quota: { ...CINDER_DEFAULT_QUOTAS },
  });
  return { authUrl: sim.authUrl, stop: () => sim.stop() };
}

/** The run's one real peer (Keystone + Cinder + Placement + Nova + Neutron, and a second Keystone under the
 *  new RBAC defaults), shared by every contract suite in contract.test.ts: one bring-up (1.5–2 min) instead
 *  of one per suite. Its stop is contract.test.ts's, once every suite is done (stopReal). */
let realPeer: Promise<Target> | undefined;

export async function startReal(): Promise<Target> {
  realPeer ??= bringUpReal();
  const { authUrl, newRbacAuthUrl } = await realPeer;
  return { authUrl, newRbacAuthUrl, stop: async () => {} };
}

export async function stopReal(): Promise<void> {
  const peer = await realPeer?.catch(() => undefined);
  realPeer = undefined;
  await peer?.stop();
}

async function bringUpReal(): Promise<Target> {
  // A peer already running (`node --import tsx contract/main.ts --compute --new-rbac --keep`), for iterating on
  // the suite.
  const running = process.env.CONTRACT_REAL_AUTH_URL;
  if (running)
    return { authUrl: running, newRbacAuthUrl: process.env.CONTRACT_REAL_NEW_RBAC_AUTH_URL, stop: async () => {} };
  const real = await startRealOpenStack({
    log: (line) => console.log(`[real-openstack] ${line}`),
    compute: true,
    newRbac: true,
  });
  const memory = real.memory();
  console.log(
    `[real-openstack] up in ${(real.timings.total / 1000).toFixed(1)} s; memory (PSS) ${mb(memory.total)}: ` +
      memory.byProcess.map((p) => `${p.name} ${mb(p.bytes)}`).join(', '),
  );
  return { authUrl: real.authUrl, newRbacAuthUrl: real.newRbacAuthUrl, stop: () => real.stop() };
}

/** Both clouds, for `describe.each`: every contract module runs its checks against each. */
export const CONTRACT_TARGETS = [
  ['simulator', startSim],
  ['real', startReal],
] as const;
