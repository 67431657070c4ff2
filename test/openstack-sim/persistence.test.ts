import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID, startSimulator } from '../../openstack-sim/index';
import { api, createVolume, FAST, login, volumeStatus, waitForVolume } from './helpers';

describe('state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openstack-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart: volumes, transfers, tokens, and transitions still in progress', async () => {
    const stateFile = join(dir, 'nested', 'cloud.json');
    const options = { ...FAST, createDelayMs: 400, stateFile };
    const first = await startSimulator(options);
    const admin = await login(first);
    const demo = await login(first, 'demo');
    const kept = await createVolume(admin, { name: 'kept' });
    const transfer = (await admin.volume.post('/os-volume-transfer', { transfer: { volume_id: kept } })).body.transfer;
    const snapshot = (await admin.volume.get('/snapshots?name=rocky-9')).body.snapshots[0];
    const creating = (await admin.volume.post('/volumes', { volume: { snapshot_id: snapshot.id } })).body.volume.id;
    await first.stop();

    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(saved.format).toBe(1);
    expect(saved.volumes.find((v: { id: string }) => v.id === creating).status).toBe('creating');

    const second = await startSimulator(options);
    try {
      // same ports are not needed: tokens stay valid, clients only re-read the catalog URL
      const again = await login(second);
      expect(again.projectId).toBe(admin.projectId);
      expect(await volumeStatus(again, kept)).toBe('awaiting-transfer');
      await waitForVolume(again, creating, 'available');
      const demoAgain = await login(second, 'demo');
      const accepted = await demoAgain.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
        accept: { auth_key: transfer.auth_key },
      });
      expect(accepted.status).toBe(202);
      expect(demoAgain.projectId).toBe(demo.projectId);
      const validate = await fetch(`${second.authUrl}/auth/tokens`, {
        headers: { 'X-Auth-Token': again.token, 'X-Subject-Token': admin.token },
      });
      expect(validate.status).toBe(200);
    } finally {
      await second.stop();
    }
    const final = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(final.volumes.find((v: { id: string }) => v.id === kept).projectId).toBe(demo.projectId);
    expect(final.transfers).toEqual([]);
  });

  it('keeps trusts, networks, ports and quota sets; a file from before them gets the seeded network', async () => {
    const stateFile = join(dir, 'identity-network.json');
    const first = await startSimulator({ ...FAST, stateFile });
    const admin = await login(first);
    const demo = await login(first, 'demo');
    const trust = (
      await api(first.authUrl, demo.token).post('/OS-TRUST/trusts', {
        trust: {
          trustor_user_id: demo.userId,
          trustee_user_id: admin.userId,
          project_id: demo.projectId,
          impersonation: true,
          roles: [{ name: 'member' }],
        },
      })
    ).body.trust;
    await admin.volume.put(`/os-quota-sets/${demo.projectId}`, { quota_set: { volumes: 3 } });
    const network = (
      await api(`${first.url}/networking/v2.0`, admin.token).post('/networks', { network: { name: 'extra' } })
    ).body.network;
    await first.stop();

    const second = await startSimulator({ ...FAST, stateFile });
    try {
      const demoAgain = await login(second, 'demo');
      expect((await api(second.authUrl, demoAgain.token).get(`/OS-TRUST/trusts/${trust.id}`)).status).toBe(200);
      expect((await demoAgain.volume.get(`/os-quota-sets/${demo.projectId}`)).body.quota_set.volumes).toBe(3);
      const names = (await api(`${second.url}/networking/v2.0`, demoAgain.token).get('/networks')).body.networks.map(
        (n: { name: string }) => n.name,
      );
      expect(names).toContain('private');
      expect(
        (await api(`${second.url}/networking/v2.0`, (await login(second)).token).get(`/networks/${network.id}`)).status,
      ).toBe(200);
    } finally {
      await second.stop();
    }
    // An older state file (no networks key) is given the configured networks.
    const old = JSON.parse(readFileSync(stateFile, 'utf8'));
    delete old.networks;
    delete old.subnets;
    writeFileSync(stateFile, JSON.stringify(old));
    const third = await startSimulator({ ...FAST, stateFile });
    try {
      const ids = (
        await api(`${third.url}/networking/v2.0`, (await login(third)).token).get('/networks')
      ).body.networks.map((n: { id: string }) => n.id);
      expect(ids).toEqual([DEFAULT_NETWORK_ID]);
    } finally {
      await third.stop();
    }
  });
});
