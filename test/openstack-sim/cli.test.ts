/**
 * The simulator driven by the real Debian OpenStack clients (python3-openstackclient,
 * python3-cinderclient): version discovery, keystone auth, the catalog and cinder's
 * wire format must satisfy them exactly as a real cloud does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { login, useSimulator, waitFor } from './helpers';
import { isOnPath } from '../../infra/processes';

const run = promisify(execFile);


/** The clients' environment: only OS_* for this simulator, and no proxy between them and 127.0.0.1. */
function clientEnv(sim: RunningSimulator, user: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([key]) => !/^OS_|_proxy$/i.test(key));
  return {
    ...Object.fromEntries(inherited),
    OS_AUTH_URL: sim.authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user,
    OS_PASSWORD: `${user}-secret`,
    OS_PROJECT_NAME: user,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

interface CliResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Rows of a prettytable: `| a | b |` lines split into trimmed cells. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}

/** cinderclient's "Property | Value" table as an object. */
function properties(text: string): Record<string, string> {
  return Object.fromEntries(tableRows(text).slice(1).map(([key, value]) => [key, value]));
}

/** cinderclient's list table as objects keyed by the header row. */
function listing(text: string): Record<string, string>[] {
  const [header, ...rows] = tableRows(text);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

const CINDER_VERSION = ['--os-volume-api-version', '3.55'];

describe('real OpenStack CLI clients against the simulator', () => {
  const started = useSimulator({ createDelayMs: 300, plainCreateDelayMs: 100, deleteDelayMs: 100 });
  let sim: RunningSimulator;

  const cli = async (user: string, command: string, args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(command, args, { env: clientEnv(sim, user), timeout: 60_000 });
      return { ok: true, stdout, stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
    }
  };
  /** Runs a command that must succeed; a failure shows the client's own error. */
  const ok = async (user: string, command: string, args: string[]): Promise<string> => {
    const result = await cli(user, command, args);
    if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
    return result.stdout;
  };
  const cinder = (user: string, ...args: string[]) => ok(user, 'cinder', [...CINDER_VERSION, ...args]);

  beforeAll(() => {
    const missing = ['openstack', 'cinder'].filter((command) => !isOnPath(command));
    if (missing.length) {
      throw new Error(
        `OpenStack CLI clients missing (${missing.join(', ')}): install the Debian packages ` +
          '"apt-get install -y python3-openstackclient python3-cinderclient" (scripts/ensure-deps.sh does this for npm test)',
      );
    }
    sim = started();
  });

  it('openstack token issue authenticates through keystone discovery', async () => {
    const token = JSON.parse(await ok('admin', 'openstack', ['token', 'issue', '-f', 'json']));
    const admin = await login(sim);
    expect(token.project_id).toBe(admin.projectId);
    expect(token.user_id).toBe(admin.userId);
    expect(Date.parse(token.expires)).toBeGreaterThan(Date.now());
    const catalog = JSON.parse(await ok('admin', 'openstack', ['catalog', 'list', '-f', 'json']));
    expect(catalog.map((s: { Type: string }) => s.Type)).toEqual(expect.arrayContaining(['identity', 'volumev3', 'compute']));
  });

  it('rejects a wrong password with keystone’s 401', async () => {
    const env = { ...clientEnv(sim, 'admin'), OS_PASSWORD: 'wrong' };
    const result = await run('openstack', ['token', 'issue'], { env, timeout: 60_000 }).then(
      () => ({ stderr: '' }),
      (e: { stderr: string }) => e,
    );
    expect(result.stderr).toMatch(/The request you have made requires authentication\. \(HTTP 401\)/);
  });

  it('cinder create/show/list/transfer/accept/delete round trip', async () => {
    const snapshots = listing(await cinder('admin', 'snapshot-list'));
    const ubuntu = snapshots.find((s) => s.Name === 'ubuntu-24.04');
    expect(ubuntu?.Status).toBe('available');

    const created = properties(await cinder('admin', 'create', '--snapshot-id', ubuntu!.ID, '--volume-type', 'ssd', '--name', 'cli-vol'));
    expect(created).toMatchObject({ status: 'creating', volume_type: 'ssd', size: '10', bootable: 'true', name: 'cli-vol' });
    const id = created.id;
    await waitFor('cli-vol available', async () => properties(await cinder('admin', 'show', id)).status === 'available', 20_000);
    expect(listing(await cinder('admin', 'list')).find((v) => v.ID === id)).toMatchObject({ Name: 'cli-vol', Status: 'available' });

    const transfer = properties(await cinder('admin', 'transfer-create', '--name', 'cli-transfer', id));
    expect(transfer.auth_key).toMatch(/^[0-9a-f]{16}$/);
    expect(listing(await cinder('admin', 'transfer-list')).map((t) => t.ID)).toContain(transfer.id);
    expect(properties(await cinder('admin', 'show', id)).status).toBe('awaiting-transfer');

    const wrongKey = await cli('demo', 'cinder', [...CINDER_VERSION, 'transfer-accept', transfer.id, '0123456789abcdef']);
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.stderr).toMatch(/Invalid auth key.*\(HTTP 400\)/);

    const accepted = properties(await cinder('demo', 'transfer-accept', transfer.id, transfer.auth_key));
    expect(accepted.volume_id).toBe(id);
    expect(listing(await cinder('demo', 'list')).find((v) => v.ID === id)).toMatchObject({ Status: 'available' });
    expect(listing(await cinder('admin', 'list')).find((v) => v.ID === id)).toBeUndefined();

    const again = await cli('demo', 'cinder', [...CINDER_VERSION, 'transfer-accept', transfer.id, transfer.auth_key]);
    expect(again.ok).toBe(false);
    expect(again.stderr).toMatch(/\(HTTP 404\)/);

    await cinder('demo', 'delete', id);
    await waitFor('cli-vol gone', async () => !listing(await cinder('demo', 'list')).some((v) => v.ID === id), 20_000);
    const gone = await cli('demo', 'cinder', [...CINDER_VERSION, 'show', id]);
    expect(gone.ok).toBe(false);
  });

  it('cinder refuses to delete an in-use volume with cinder’s message', async () => {
    const created = properties(await cinder('demo', 'create', '--name', 'busy', '1'));
    await waitFor('busy available', async () => properties(await cinder('demo', 'show', created.id)).status === 'available', 20_000);
    sim.faults.takeVolume(created.id, { kind: 'attach' });
    const refused = await cli('demo', 'cinder', [...CINDER_VERSION, 'delete', created.id]);
    expect(refused.ok).toBe(false);
    // cinderclient reports each failed delete on stdout, then fails with a summary on stderr
    expect(refused.stdout).toMatch(/Invalid volume: Volume status must be available or error.*\(HTTP 400\)/);
    expect(refused.stderr).toMatch(/Unable to delete any of the specified volumes/);
  });

  it('openstack volume commands work too (with the stub image endpoint)', async () => {
    const created = JSON.parse(
      await ok('admin', 'openstack', ['volume', 'create', '--snapshot', 'debian-12', '--type', 'sas', 'osc-vol', '-f', 'json']),
    );
    expect(created).toMatchObject({ name: 'osc-vol', size: 8, status: 'creating', type: 'sas' });
    const volumes = JSON.parse(await ok('admin', 'openstack', ['volume', 'list', '-f', 'json']));
    expect(volumes.map((v: { ID: string }) => v.ID)).toContain(created.id);
  });
});
