import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../infra/free-port';

/**
 * The servers the tests and the real peer start (PostgreSQL, Keystone, Temporal …) bind a port freePort
 * chose a moment earlier. Inside the kernel's ephemeral range that port can meanwhile become the local
 * port of any outgoing connection: the real peer's PostgreSQL failed once that way in CI
 * ("could not bind IPv4 address 127.0.0.1: Address already in use", port 43021).
 */
const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

describe('freePort', () => {
  it("never hands out a port of the kernel's ephemeral range (outgoing connections' local ports)", async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(ports.filter((p) => p >= low! && p <= high!)).toEqual([]);
    expect(ports.every((p) => Number.isInteger(p) && p > 1024 && p < 65536)).toBe(true);
  });

  it('hands out a port a server can bind', async () => {
    const port = await freePort();
    const server = createServer((socket) => socket.end('ok'));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket
          .on('data', (chunk) => (data += chunk))
          .on('end', () => resolve(data))
          .on('error', reject);
      });
      expect(reply).toBe('ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('control: a port the kernel picks (listen on 0), as freePort did, lies in that range', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    expect(port >= low! && port <= high!).toBe(true);
  });
});
