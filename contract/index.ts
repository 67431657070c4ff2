// A real Keystone + Cinder on loopback, the simulator's contract peer: PostgreSQL, RabbitMQ,
// Keystone (uwsgi) and cinder-api/-scheduler/-volume (fake driver), and with { compute: true }
// Placement, Nova (fake virt driver) and neutron-server (compute.ts), each started here, recorded
// by PID and stopped by stop(). Needs the Debian packages of scripts/apt-packages.d/contract*.txt.
import { rmSync } from 'node:fs';
import { adminApi } from './admin-api';
import { cinderAccount, startCinderServices, syncCinderDatabase, writeCinderConfig } from './cinder';
import { setUpCinder, waitForCinder, type ImageSnapshot } from './cinder-setup';
import { planCompute, type ComputePeer } from './compute';
import { BASE_DATABASES, COMPUTE_DATABASES, startDatabases, type Databases } from './databases';
import { setUpIdentity } from './identity-setup';
import { startKeystone } from './keystone';
import { createLayout, HOST } from './layout';
import { assertPackagesInstalled, BASE_PACKAGES, COMPUTE_PACKAGES } from './prerequisites';
import { ProcessGroup } from './process-group';
import { processTree, pssBytes } from './proc-tree';
import { startRabbitMq } from './rabbitmq';
import { serviceUser } from './service-auth';
import { settleAll } from './settle';

export { ADMIN, TENANT, IMAGE_SNAPSHOT } from './accounts';
export { NETWORK } from './compute-setup';
export type { ComputePeer } from './compute';

export interface RealOpenStackOptions {
  /** Progress lines (phase and duration). */
  log?: (line: string) => void;
  /** Where the instance folder is made (default: the OS temp folder). */
  parentDir?: string;
  /** Keep the folder (configs, logs) after stop(); it is always kept when bring-up fails. */
  keepFolder?: boolean;
  /** The whole bring-up fails (and stops what it started) after this long; default 180 s, 300 s with compute. */
  timeoutMs?: number;
  /** Placement, Nova and Neutron too (about +40 s and +1 GB); only the suites that boot servers need them. */
  compute?: boolean;
  /** A second Keystone process with the new RBAC defaults (enforce_new_defaults, enforce_scope) on the same data. */
  newRbac?: boolean;
}

export interface RealOpenStack {
  /** Keystone v3, e.g. http://127.0.0.1:PORT/v3 */
  authUrl: string;
  /** With { newRbac: true }: the Keystone under the new RBAC defaults. */
  newRbacAuthUrl?: string;
  /** The admin project's OS image snapshot (`sysdisk-sas-Debian9 64bit`). */
  imageSnapshot: ImageSnapshot;
  /** With { compute: true }: the shared network and the services' URLs. */
  compute?: ComputePeer;
  /** Wall-clock bring-up and its phases, in ms. */
  timings: Record<string, number>;
  /** The instance folder: configs, data, logs/<process>.log. */
  root: string;
  pids(): { name: string; pid: number }[];
  /** PSS per process tree (shared pages split fairly), and the total, in bytes. */
  memory(): { total: number; byProcess: { name: string; bytes: number }[] };
  stop(): Promise<void>;
}

export async function startRealOpenStack(opts: RealOpenStackOptions = {}): Promise<RealOpenStack> {
  assertPackagesInstalled(opts.compute ? [BASE_PACKAGES, COMPUTE_PACKAGES] : [BASE_PACKAGES]);
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const timings: Record<string, number> = {};
  const timed = async <T>(phase: string, work: Promise<T>): Promise<T> => {
    const t = performance.now();
    const value = await work;
    timings[phase] = Math.round(performance.now() - t);
    log(`${phase}: ${(timings[phase] / 1000).toFixed(1)} s`);
    return value;
  };

  const layout = await createLayout(opts.parentDir);
  const group = new ProcessGroup(layout.logs, log, Date.now() + (opts.timeoutMs ?? (opts.compute ? 300_000 : 180_000)));
  let databases: Databases | undefined;
  const killOnExit = () => {
    group.killNow();
    if (databases?.pid) for (const pid of processTree(databases.pid)) process.kill(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  const stopAll = async () => {
    process.off('exit', killOnExit);
    await group.stopAll();
    const t = performance.now();
    await databases?.stop();
    if (databases) log(`stopped postgres in ${Math.round(performance.now() - t)} ms`);
  };

  // Started first (it takes longest to boot) and awaited in every path, so a failure elsewhere
  // never stops the group while RabbitMQ is still being spawned.
  const rabbit = timed('rabbitmq', startRabbitMq(group, layout));
  rabbit.catch(() => {});
  try {
    databases = await timed(
      'postgres',
      startDatabases(layout, opts.compute ? [...BASE_DATABASES, ...COMPUTE_DATABASES] : BASE_DATABASES),
    );
    const keystoneUrl = `http://${HOST}:${layout.ports.keystone}/v3`;
    const { transportUrl } = await rabbit;
    const cinderUser = serviceUser('cinder');
    const cinderConfig = writeCinderConfig(layout, {
      databaseUrl: databases.url('cinder'),
      transportUrl,
      authUrl: keystoneUrl,
      serviceUser: cinderUser,
    });
    const dbs = databases;
    const compute = opts.compute
      ? planCompute(group, layout, { databases: dbs, transportUrl, authUrl: keystoneUrl, timed })
      : undefined;
    let newRbacAuthUrl: string | undefined;
    const keystoneStart = startKeystone(group, layout, dbs.url('keystone'), { newRbac: opts.newRbac });
    const identity = timed('keystone', keystoneStart).then(async (keystone) => {
      newRbacAuthUrl = keystone.newRbacAuthUrl;
      const api = await adminApi(keystone.authUrl);
      const accounts = [cinderAccount(cinderConfig, cinderUser), ...(compute?.accounts ?? [])];
      await timed('identity objects', setUpIdentity(api, keystone.authUrl, accounts));
      return api;
    });
    const [, volumeUrl, computePeer] = await settleAll([
      identity,
      timed('cinder db sync', syncCinderDatabase(group, cinderConfig)).then(() =>
        timed('cinder services', startCinderServices(group, layout, cinderConfig)),
      ),
      compute ? compute.start(identity) : Promise.resolve(undefined),
    ]);
    const authUrl = keystoneUrl;
    const api = await adminApi(authUrl);
    await timed('cinder ready', waitForCinder(group, api, volumeUrl));
    const imageSnapshot = await timed('volume types + image snapshot', setUpCinder(group, api, volumeUrl));
    timings.total = Math.round(performance.now() - started);
    const what = compute ? 'Keystone + Cinder + Placement + Nova + Neutron' : 'Keystone + Cinder';
    log(`real ${what} ready at ${authUrl} in ${(timings.total / 1000).toFixed(1)} s (folder ${layout.root})`);

    return {
      authUrl,
      newRbacAuthUrl,
      imageSnapshot,
      compute: computePeer,
      timings,
      root: layout.root,
      pids: () => [...group.pids(), ...(databases?.pid ? [{ name: 'postgres', pid: databases.pid }] : [])],
      memory() {
        const byProcess = group.memory();
        if (dbs.pid)
          byProcess.push({
            name: 'postgres',
            bytes: processTree(dbs.pid).reduce((sum, pid) => sum + pssBytes(pid), 0),
          });
        return { total: byProcess.reduce((sum, p) => sum + p.bytes, 0), byProcess };
      },
      async stop() {
        await stopAll();
        if (!opts.keepFolder) rmSync(layout.root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.allSettled([rabbit]);
    await stopAll();
    throw new Error(`the real OpenStack did not come up (logs kept in ${layout.logs}): ${(err as Error).message}`, {
      cause: err,
    });
  }
}
