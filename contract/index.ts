// A real Keystone + Cinder on loopback, the simulator's contract peer: PostgreSQL, RabbitMQ,
// Keystone (uwsgi) and cinder-api/-scheduler/-volume (fake driver), each started here, recorded
// by PID and stopped by stop(). Needs the Debian packages of scripts/apt-packages.d/contract.txt.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { SERVICE_PROJECT } from './accounts';
import { adminApi } from './admin-api';
import { startCinderServices, syncCinderDatabase, writeCinderConfig } from './cinder';
import { setUpCinder, waitForCinder, type ImageSnapshot } from './cinder-setup';
import { startDatabases, type Databases } from './databases';
import { setUpIdentity } from './identity-setup';
import { startKeystone } from './keystone';
import { createLayout, HOST } from './layout';
import { assertPackagesInstalled } from './prerequisites';
import { ProcessGroup } from './process-group';
import { processTree, pssBytes } from './proc-tree';
import { startRabbitMq } from './rabbitmq';

export { ADMIN, TENANT, IMAGE_SNAPSHOT } from './accounts';

export interface RealOpenStackOptions {
  /** Progress lines (phase and duration). */
  log?: (line: string) => void;
  /** Where the instance folder is made (default: the OS temp folder). */
  parentDir?: string;
  /** Keep the folder (configs, logs) after stop(); it is always kept when bring-up fails. */
  keepFolder?: boolean;
  /** The whole bring-up fails (and stops what it started) after this long; default 180 s. */
  timeoutMs?: number;
}

export interface RealOpenStack {
  /** Keystone v3, e.g. http://127.0.0.1:PORT/v3 */
  authUrl: string;
  /** The admin project's OS image snapshot (`sysdisk-sas-Debian9 64bit`). */
  imageSnapshot: ImageSnapshot;
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
  assertPackagesInstalled();
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
  const group = new ProcessGroup(layout.logs, log, Date.now() + (opts.timeoutMs ?? 180_000));
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
    databases = await timed('postgres', startDatabases(layout));
    const keystoneUrl = `http://${HOST}:${layout.ports.keystone}/v3`;
    const serviceUser = { name: 'cinder', password: randomBytes(12).toString('hex'), project: SERVICE_PROJECT };
    const cinderConfig = writeCinderConfig(layout, {
      databaseUrl: databases.cinder,
      transportUrl: (await rabbit).transportUrl,
      authUrl: keystoneUrl,
      serviceUser,
    });
    const dbs = databases;
    const [{ authUrl }, volumeUrl] = await settleAll([
      timed('keystone', startKeystone(group, layout, dbs.keystone)).then(async (keystone) => {
        const api = await adminApi(keystone.authUrl);
        await timed(
          'identity objects',
          setUpIdentity(api, keystone.authUrl, { endpointUrl: cinderConfig.endpointUrl, user: serviceUser }),
        );
        return keystone;
      }),
      timed('cinder db sync', syncCinderDatabase(group, cinderConfig)).then(() =>
        timed('cinder services', startCinderServices(group, layout, cinderConfig)),
      ),
    ]);
    const api = await adminApi(authUrl);
    await timed('cinder ready', waitForCinder(group, api, volumeUrl));
    const imageSnapshot = await timed('volume types + image snapshot', setUpCinder(group, api, volumeUrl));
    timings.total = Math.round(performance.now() - started);
    log(`real Keystone + Cinder ready at ${authUrl} in ${(timings.total / 1000).toFixed(1)} s (folder ${layout.root})`);

    return {
      authUrl,
      imageSnapshot,
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
    throw new Error(
      `the real Keystone + Cinder did not come up (logs kept in ${layout.logs}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Like Promise.all, but waits for every branch to finish before failing, so none starts a process after stop. */
async function settleAll<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
