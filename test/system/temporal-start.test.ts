// The real Temporal server's start when a port it needs is taken: start-dev binds its HTTP, metrics and
// internal ports after picking them free, so another process may take one in between (files side by side
// in CI). Here the HTTP port is held on purpose: while held, the start fails and says why; released after
// the first failure, the next attempt comes up.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHealthy, startTemporalServer, type TemporalServer } from '../../infra/temporal-server';
import { freePort } from '../setup/free-port';

const dir = mkdtempSync(join(tmpdir(), 'blockflow-temporal-start-'));
const started: TemporalServer[] = [];
afterAll(async () => {
  for (const server of started) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function holdPort(): Promise<{ port: number; holder: Server }> {
  const port = await freePort();
  const holder = createServer().listen(port, '127.0.0.1');
  await once(holder, 'listening');
  return { port, holder };
}

describe('Temporal server start with a port taken by another process', () => {
  it('held throughout: the start fails after its attempts and says which address was in use', async () => {
    const { port: httpPort, holder } = await holdPort();
    const lines: string[] = [];
    try {
      const start = startTemporalServer({
        port: await freePort(),
        httpPort,
        namespace: 'default',
        logFile: join(dir, 'held.log'),
        log: (line) => lines.push(line),
      });
      await expect(start).rejects.toThrow(/exited during start-up[\s\S]*address already in use/);
      expect(lines.filter((line) => line.includes('starting it again'))).toHaveLength(2);
    } finally {
      holder.close();
    }
  });

  it('released after the first failure: the next attempt comes up healthy', async () => {
    const { port: httpPort, holder } = await holdPort();
    const lines: string[] = [];
    const server = await startTemporalServer({
      port: await freePort(),
      httpPort,
      namespace: 'default',
      logFile: join(dir, 'released.log'),
      log: (line) => {
        lines.push(line);
        if (line.includes('starting it again')) holder.close();
      },
    });
    started.push(server);
    expect(lines.filter((line) => line.includes('starting it again'))).toHaveLength(1);
    expect(await isHealthy(server.address, 'default')).toBe(true);
  });
});
