// Details of single answers operators read (`cinder show` as admin, `snapshot-create`), run against both
// clouds: no backend host or service while a volume is still being scheduled, the backend's view once it
// is available, and the snapshot extension's fields on reads only.
import { expect, it } from 'vitest';
import { waitFor } from '../openstack-sim/helpers';
import type { ContractContext } from './context';

const V348 = { 'OpenStack-API-Version': 'volume 3.70' };
const BACKEND_HOST = /^[^@]+@[^#]+#.+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const backendFields = (volume: Record<string, unknown>) => ({
  host: volume['os-vol-host-attr:host'],
  service: volume.service_uuid,
  shared: volume.shared_targets,
});

export function detailChecks(ctx: ContractContext): void {
  const name = `details-${ctx.target}-${Date.now().toString(36)}`;

  it('a creating volume has no service yet (a host once scheduled); an available one has both', async () => {
    const admin = ctx.admin();
    const created = await admin.call('POST', '/volumes', { volume: { name, size: 1 } }, V348);
    const id: string = created.body.volume.id;
    const first = (await admin.call('GET', `/volumes/${id}`, undefined, V348)).body.volume;
    // The simulator is always slower than this read; the real scheduler nearly always is.
    if (ctx.target === 'simulator') expect(first.status).toBe('creating');
    // Real Cinder's scheduler writes the host before cinder-volume creates the volume (a whole CI run
    // read it so): while creating, the host is null or already the backend's; the service comes later.
    if (first.status === 'creating') {
      const host = first['os-vol-host-attr:host'] === null ? null : expect.stringMatching(BACKEND_HOST);
      expect(backendFields(first)).toEqual({ host, service: null, shared: true });
    }
    let volume: Record<string, unknown> = {};
    await waitFor(
      `${id} available`,
      async () => {
        volume = (await admin.call('GET', `/volumes/${id}`, undefined, V348)).body.volume;
        // Real cinder-volume records its service and shared_targets just after marking the volume available.
        return volume.status === 'available' && volume.service_uuid !== null;
      },
      30_000,
    );
    expect(backendFields(volume)).toEqual({
      host: expect.stringMatching(BACKEND_HOST),
      service: expect.stringMatching(UUID),
      shared: false,
    });
    ctx.record('volume show 3.70 (admin, available)', volume);

    const snapshot = await admin.call('POST', '/snapshots', { snapshot: { volume_id: id, name } });
    expect(snapshot.status).toBe(202);
    ctx.record('snapshot create', snapshot.body);
    expect(Object.keys(snapshot.body.snapshot).filter((k) => k.startsWith('os-extended'))).toEqual([]);
    const snapId: string = snapshot.body.snapshot.id;
    await waitFor(
      `${snapId} available`,
      async () => (await admin.call('GET', `/snapshots/${snapId}`)).body.snapshot.status === 'available',
      30_000,
    );
    const shown = (await admin.call('GET', `/snapshots/${snapId}`)).body.snapshot;
    expect(shown).toMatchObject({
      'os-extended-snapshot-attributes:project_id': ctx.ids().adminProjectId,
      'os-extended-snapshot-attributes:progress': '100%',
    });
    expect((await admin.call('DELETE', `/snapshots/${snapId}`)).status).toBe(202);
    await waitFor(
      'snapshot gone',
      async () => (await admin.call('GET', `/snapshots/${snapId}`)).status === 404,
      30_000,
    );
    expect((await admin.call('DELETE', `/volumes/${id}`)).status).toBe(202);
  });

  it("bad create bodies: cinder's words for the size and the name", async () => {
    const bad = (message: string) => ({ badRequest: { code: 400, message } });
    const cases: [unknown, string][] = [
      [{ size: 'x' }, "Invalid input for field/attribute size. Value: x. 'x' does not match '^[0-9]+$'"],
      [{ size: 0 }, 'Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1'],
      [
        { size: 1.5 },
        "Invalid input for field/attribute size. Value: 1.5. 1.5 is not of type 'integer', 'string', 'null'",
      ],
      [{ size: 1, name: 5 }, "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string', 'null'"],
    ];
    for (const [volume, message] of cases)
      expect((await ctx.demo().call('POST', '/volumes', { volume })).body, JSON.stringify(volume)).toEqual(
        bad(message),
      );
  });

  it('error texts the CLIs print: zones, metadata, limits, unknown actions (before the volume), types', async () => {
    const demo = ctx.demo();
    const missing = '0b7cd43c-4b1c-4a1e-9d43-5a3c6e0b1f00';
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/volumes', { volume: { size: 1, availability_zone: 'zz' } }, 400, "Availability zone 'zz' is invalid."],
      [
        'POST',
        '/volumes',
        { volume: { size: 1, metadata: 'x' } },
        400,
        "Invalid input for field/attribute metadata. Value: x. 'x' is not of type 'object', 'null'",
      ],
      ['GET', '/volumes?limit=-1', undefined, 400, 'limit param must be positive'],
      ['GET', '/snapshots?limit=x', undefined, 400, 'limit param must be an integer'],
      [
        'POST',
        `/volumes/${missing}/action`,
        { 'os-bogus': {} },
        400,
        'There is no such action: os-bogus. Verify the request body and Content-Type header and try again.',
      ],
      ['POST', `/volumes/${missing}/action`, {}, 400, 'Malformed request body'],
      ['GET', '/types/nope', undefined, 404, 'Volume type nope could not be found.'],
    ];
    for (const [method, path, body, code, message] of cases) {
      const key = code === 400 ? 'badRequest' : 'itemNotFound';
      expect((await demo.call(method, path, body)).body, `${method} ${path}`).toEqual({ [key]: { code, message } });
    }
  });
}
