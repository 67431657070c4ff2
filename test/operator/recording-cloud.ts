// The simulated cloud in the test's own process, for a test that must know the secrets a run handled:
// it records every Keystone token it issues (X-Subject-Token) and every transfer auth key it hands out
// (the create's answer), which otherwise exist only inside blockflow's memory for a moment.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../openstack-sim/app';
import { SimulatedCloud } from '../../openstack-sim/simulated-cloud';
import { createFaultInjector } from '../../openstack-sim/faults';
import { resolveOptions, type SimulatorOptions } from '../../openstack-sim/options';

export interface RecordingCloud {
  authUrl: string;
  tokens: Set<string>;
  authKeys: Set<string>;
  stop(): Promise<void>;
}

export async function startRecordingCloud(opts: SimulatorOptions): Promise<RecordingCloud> {
  const cloud = new SimulatedCloud(resolveOptions(opts));
  const app = buildApp(cloud, createFaultInjector(cloud));
  const tokens = new Set<string>();
  const authKeys = new Set<string>();
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (req: Request) => {
      const res = await app.fetch(req);
      const token = res.headers.get('x-subject-token');
      if (token) tokens.add(token);
      if (req.method === 'POST' && /\/(os-volume-transfer|volume-transfers)\/?$/.test(new URL(req.url).pathname)) {
        const body = (await res.clone().json()) as { transfer?: { auth_key?: string } };
        if (body.transfer?.auth_key) authKeys.add(body.transfer.auth_key);
      }
      return res;
    },
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cloud.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authUrl: `${cloud.baseUrl}/identity/v3`,
    tokens,
    authKeys,
    async stop() {
      cloud.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
