// Ports for the servers we start (PostgreSQL, Temporal, the API, the real peer's services).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port handed out: above the well-known ports and most fixed registered ones. */
const LOWEST = 10_000;
const TRIES = 200;

/**
 * The first port of the range the kernel picks outgoing connections' local ports from (Linux:
 * ip_local_port_range; elsewhere Linux's default).
 */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low)) return low;
  } catch {
    // not Linux: assume its default
  }
  return 32768;
}

/** Whether a server can bind 127.0.0.1:`port` now (it is released again before this resolves). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port the kernel picks (listen on 0): inside its ephemeral range. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port that was free a moment ago, chosen below the kernel's ephemeral range: the server that binds
 * it later cannot lose it to an outgoing connection's local port, which a port the kernel picked
 * (listen on 0) could meanwhile become (the real peer's PostgreSQL once failed with "Address already in
 * use" that way). Falls back to a kernel-picked port when the range leaves no room below it.
 */
export async function freePort(): Promise<number> {
  const highest = ephemeralStart() - 1;
  if (highest < LOWEST) return kernelPort();
  for (let i = 0; i < TRIES; i++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${LOWEST}-${highest} after ${TRIES} tries`);
}
