// qemu-storage-daemon serving a qcow2 chain without any guest: one blockdev per layer
// (base ← overlay1 ← …), an NBD export of the top on a unix socket, QMP on another.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sleep, waitUntil } from '../lib/wait-until';
import { QmpClient } from './qmp-client';

export interface StartStorageDaemonInput {
  workDir: string;
  /** Base first, top last; the top is exported. */
  layers: string[];
  exportName?: string;
  timeoutMs?: number;
}

export interface StorageDaemon {
  pid: number;
  qmp: QmpClient;
  nbdSocket: string;
  exportName: string;
  /** Stops the daemon (QMP quit, then SIGKILL by PID at the deadline). Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Node name of a layer's qcow2 format node: its file name without ".qcow2". */
export function nodeNameOf(image: string): string {
  return basename(image, '.qcow2');
}

export async function startStorageDaemon(input: StartStorageDaemonInput): Promise<StorageDaemon> {
  const timeoutMs = input.timeoutMs ?? 15_000;
  const nbdSocket = join(input.workDir, 'nbd.sock');
  const qmpSocket = join(input.workDir, 'qmp.sock');
  const exportName = input.exportName ?? 'drill';
  await Promise.all([rm(nbdSocket, { force: true }), rm(qmpSocket, { force: true })]);

  const args: string[] = [];
  input.layers.forEach((image, index) => {
    const node = nodeNameOf(image);
    args.push('--blockdev', `driver=file,node-name=${node}-file,filename=${image},cache.direct=on`);
    // Overlays name their backing node explicitly so the graph is exactly the chain we prepared.
    const backing = index === 0 ? '' : `,backing=${nodeNameOf(input.layers[index - 1])}`;
    args.push('--blockdev', `driver=qcow2,node-name=${node},file=${node}-file${backing}`);
  });
  const top = nodeNameOf(input.layers[input.layers.length - 1]);
  args.push(
    '--nbd-server',
    `addr.type=unix,addr.path=${nbdSocket}`,
    '--export',
    `type=nbd,id=drill-export,node-name=${top},name=${exportName},writable=on`,
    '--chardev',
    `socket,id=qmp,path=${qmpSocket},server=on,wait=off`,
    '--monitor',
    'chardev=qmp',
  );

  const child = spawn('qemu-storage-daemon', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error('qemu-storage-daemon did not start');

  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`qemu-storage-daemon exited (${child.exitCode}): ${stderr.trim()}`);
        const ready = await Promise.all(
          [nbdSocket, qmpSocket].map((path) =>
            stat(path).then(
              () => true,
              () => false,
            ),
          ),
        );
        return { done: ready.every(Boolean) };
      },
      { what: 'qemu-storage-daemon sockets', timeoutMs },
    );
    const qmp = await QmpClient.connect(qmpSocket, timeoutMs);
    return { pid: child.pid, qmp, nbdSocket, exportName, stop: stopper(child, qmp, exited, [nbdSocket, qmpSocket]) };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function stopper(child: ChildProcess, qmp: QmpClient, exited: Promise<void>, sockets: string[]): StorageDaemon['stop'] {
  return async (timeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      // "quit" may close the socket before it answers; the exit below is what counts.
      await qmp.execute('quit', undefined, timeoutMs).catch(() => undefined);
      const gone = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!gone && child.pid !== undefined) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    qmp.close();
    // The daemon leaves its NBD listening socket behind.
    await Promise.all(sockets.map((path) => rm(path, { force: true })));
  };
}
