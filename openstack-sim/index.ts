import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app';
import { SimulatedCloud } from './simulated-cloud';
import { createFaultInjector, type FaultInjector } from './faults';
import { loadState, StateSaver } from './persistence';
import { resolveOptions, type SimulatorOptions } from './options';

export type { SimulatorOptions, SimUser, SimNetwork } from './options';
export { CINDER_DEFAULT_QUOTAS, DEFAULT_NETWORK_ID, DEFAULT_USERS } from './options';
export type { FaultInjector, TakeVolume } from './faults';
export { DEFAULT_BOOT_FAILURE, FOREIGN_PROJECT_ID } from './faults';
export type { OverloadOptions } from './overload';

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** {url}/identity/v3 */
  authUrl: string;
  faults: FaultInjector;
  stop(): Promise<void>;
}

/** Starts the simulated cloud on one port (devstack layout) and resolves once it listens. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const options = resolveOptions(opts);
  const cloud = new SimulatedCloud(options, options.stateFile ? loadState(options.stateFile) : undefined);
  const saver = options.stateFile ? new StateSaver(options.stateFile, () => cloud.state.toJSON()) : undefined;
  if (saver) cloud.onChange(() => saver.markDirty());
  const faults = createFaultInjector(cloud);
  const app = buildApp(cloud, faults);

  const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  cloud.baseUrl = `http://${options.host}:${port}`;

  return {
    url: cloud.baseUrl,
    authUrl: `${cloud.baseUrl}/identity/v3`,
    faults,
    async stop() {
      cloud.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from clients would otherwise hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await saver?.flush();
    },
  };
}
