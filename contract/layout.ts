// Where one real OpenStack instance lives: a private temp folder and free loopback ports, so
// several instances (parallel CI jobs, a developer's by-hand run) never collide.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../infra/ephemeral';

/** Everything listens here and nowhere else. */
export const HOST = '127.0.0.1';

export interface Layout {
  root: string;
  logs: string;
  dir(name: string): string;
  ports: {
    postgres: number;
    keystone: number;
    cinder: number;
    amqp: number;
    amqpDist: number;
    epmd: number;
    /** The compute part ({ compute: true }). */
    placement: number;
    nova: number;
    neutron: number;
  };
}

export async function createLayout(parent = tmpdir()): Promise<Layout> {
  const root = mkdtempSync(join(parent, 'blockflow-real-openstack-'));
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const [postgres, keystone, cinder, amqp, amqpDist, epmd, placement, nova, neutron] = await distinctFreePorts(9);
  return {
    root,
    logs: dir('logs'),
    dir,
    ports: { postgres, keystone, cinder, amqp, amqpDist, epmd, placement, nova, neutron },
  };
}

/** freePort releases each port before returning, so the same one could come back twice. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
