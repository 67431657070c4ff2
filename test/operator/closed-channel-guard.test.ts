// A Temporal client call that is being retried when its connection is closed (what `npm start`
// met when stopped under load): its retry timer throws "Channel has been shut down" after the close.
// The start command ignores exactly that once it is stopping; the control shows the process dies
// of it without the guard.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/free-port';

const GUARD = join(import.meta.dirname, '../../bin/closed-channel-guard.ts');
// The script lives in a temporary folder: it names the client package by its resolved file.
const CLIENT = pathToFileURL(createRequire(import.meta.url).resolve('@temporalio/client')).href;
const dir = mkdtempSync(join(tmpdir(), 'blockflow-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A script that starts a call to a port nobody listens on, closes the connection while it is retried, waits. */
function run(guarded: boolean, port: number) {
  const script = join(dir, `closed-${guarded}.mts`);
  writeFileSync(
    script,
    [
      `import { Connection } from ${JSON.stringify(CLIENT)};`,
      `import { ignoreRetriesOnClosedChannels } from ${JSON.stringify(GUARD)};`,
      `const connection = await Connection.lazy({ address: '127.0.0.1:${port}' });`,
      'void connection.workflowService.getSystemInfo({}).catch(() => undefined);',
      'await new Promise((r) => setTimeout(r, 300));',
      `if (${guarded}) ignoreRetriesOnClosedChannels((line) => console.log(line));`,
      'await connection.close();',
      'await new Promise((r) => setTimeout(r, 3000));',
      "console.log('exited normally');",
    ].join('\n'),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: join(import.meta.dirname, '../..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('a Temporal call retried after its connection was closed', () => {
  it('control: without the guard the process dies of it (exit 1, "Channel has been shut down")', async () => {
    const res = run(false, await freePort());
    expect(res.stderr).toContain('Channel has been shut down');
    expect(res.status).toBe(1);
  });

  it('with the guard (the start command as it stops): ignored, the process goes on and exits 0', async () => {
    const res = run(true, await freePort());
    expect(res.stdout).toContain('ignored (the process is stopping)');
    expect(res.stdout).toContain('exited normally');
    expect(res.status, res.stderr).toBe(0);
  });
});
