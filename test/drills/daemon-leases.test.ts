// libvirt's daemons are shared by processes that run at once (`npm test` runs the drill tests and
// the platform drill tests in parallel): one that leaves must not stop daemons another still uses.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ensureLibvirtDaemons, stopLibvirtDaemons } from '../../drills/daemons';
import { runCommand } from '../../drills/run-command';
import { requireCommands } from './require-commands';

const virshAnswers = () =>
  runCommand('virsh', ['-c', 'qemu:///system', 'version'], { timeoutMs: 15_000 }).then(
    () => true,
    () => false,
  );

describe('libvirt daemon leases', () => {
  it('a process that leaves does not stop the daemons another process still leases', async () => {
    await requireCommands(['virsh', 'libvirtd', 'virtlogd']);
    const mine = await ensureLibvirtDaemons();
    // A second user in its own process: takes a lease, holds it until its stdin closes.
    const other = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      const { ensureLibvirtDaemons, stopLibvirtDaemons } = await import('./drills/daemons.ts');
      const daemons = await ensureLibvirtDaemons();
      console.log('leased ' + daemons.map((d) => d.name + ':' + d.pid).join(' '));
      process.stdin.resume();
      process.stdin.on('end', async () => { await stopLibvirtDaemons(daemons); process.exit(0); });
    `,
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(other.stdout!, 'data')) as [Buffer];
      expect(line.toString()).toMatch(/^leased virtlogd:\d+ libvirtd:\d+/);

      await stopLibvirtDaemons(mine);
      expect(await virshAnswers()).toBe(true);
      expect(line.toString()).toContain(`libvirtd:${mine.find((d) => d.name === 'libvirtd')!.pid}`);
    } finally {
      other.stdin!.end();
      await once(other, 'exit');
    }
  });
});
