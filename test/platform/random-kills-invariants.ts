// What must hold at any moment of the pool's life, however often its worker dies (the random-kills
// test checks it after every recovery): every spare volume blockflow created in Cinder is tracked
// by exactly one row, no row points at a volume Cinder lost once a reconcile has passed, no kind
// holds more than its target, no transfer is pending past the reaper's bound, and no address is
// given twice. A finding must hold on two looks a moment apart (a handover or a drop in between
// two reads of one look is not a violation).
import { COUNTED_STATUSES, loadReplenishPlan } from '../../pool/plan';
import { STALE_TRANSFER_MS } from '../../pool/transfers';
import { parseCinderTime } from '../../pool/create-spare';
import type { Platform } from './harness';

export interface InvariantOptions {
  /** A reconcile pass has just ended with no kill in it: rows of volumes Cinder lost must be gone. */
  afterReconcile?: boolean;
}

const SPARE_NAME = /^spare-/;
const SETTLED_BUILD = ['failed', 'deleted'];

async function look(p: Platform, opts: InvariantOptions): Promise<string[]> {
  const v: string[] = [];
  const everywhere = await p.cloud.admin.cinder.listVolumes({ allTenants: true });
  const admin = await p.cloud.admin.cinder.listVolumes();
  const rows = await p.prisma.spareVolume.findMany();
  const rowByName = new Map(rows.map((r) => [r.name, r]));

  // Tracked exactly once: one volume per spare name, and that volume is the row's.
  const byName = new Map<string, string[]>();
  for (const vol of admin.filter((x) => SPARE_NAME.test(x.name ?? '') && x.status !== 'deleting'))
    byName.set(vol.name!, [...(byName.get(vol.name!) ?? []), vol.id]);
  for (const [name, ids] of byName) {
    if (ids.length > 1) v.push(`spare ${name}: ${ids.length} volumes in Cinder (${ids.join(', ')})`);
    const row = rowByName.get(name);
    if (!row) v.push(`volume ${ids[0]} (${name}) is in Cinder and tracked by no row`);
    else if (row.volumeId && !ids.includes(row.volumeId))
      v.push(`spare ${name}: row tracks ${row.volumeId}, Cinder has ${ids.join(', ')} under its name`);
  }
  const tracked = new Map<string, string[]>();
  for (const r of rows.filter((x) => x.volumeId))
    tracked.set(r.volumeId!, [...(tracked.get(r.volumeId!) ?? []), r.name]);
  for (const [id, names] of tracked)
    if (names.length > 1) v.push(`volume ${id} tracked by ${names.length} rows (${names.join(', ')})`);

  // A row of a volume Cinder lost lives at most until the next reconcile.
  if (opts.afterReconcile) {
    const inCinder = new Set(everywhere.map((x) => x.id));
    for (const r of rows)
      if (r.volumeId && !inCinder.has(r.volumeId))
        v.push(`row ${r.name} still points at ${r.volumeId}, which Cinder lost, after a reconcile`);
  }

  // No kind above its target.
  const plan = await loadReplenishPlan(p.prisma);
  for (const k of plan.kinds) {
    const counted = rows.filter(
      (r) =>
        r.volumeType === k.volumeType && r.osName === k.osName && !r.allocated && COUNTED_STATUSES.includes(r.status),
    ).length;
    if (counted > k.target) v.push(`${k.volumeType}/${k.osName} holds ${counted} spares, its target is ${k.target}`);
  }

  // No transfer of a pool volume pending past the reaper's bound.
  const now = Date.now();
  for (const t of await p.cloud.admin.cinder.listTransfers())
    if (t.created_at && now - parseCinderTime(t.created_at) > STALE_TRANSFER_MS)
      v.push(`transfer ${t.id} of ${t.volume_id} pending since ${t.created_at}`);

  // No address given twice: to two live builds, or to two ports.
  const builds = await p.prisma.serverBuild.findMany({ where: { address: { not: null } } });
  const holders = new Map<string, string[]>();
  for (const b of builds.filter((x) => !SETTLED_BUILD.includes(x.status)))
    holders.set(b.address!, [...(holders.get(b.address!) ?? []), b.id]);
  for (const [address, ids] of holders)
    if (ids.length > 1) v.push(`address ${address} given to builds ${ids.join(', ')}`);
  const managed = new Set((await p.prisma.managedNetwork.findMany()).map((n) => n.id));
  const ports = new Map<string, string[]>();
  for (const port of await p.cloud.admin.neutron.listPorts())
    if (managed.has(port.network_id))
      for (const ip of port.fixed_ips) ports.set(ip.ip_address, [...(ports.get(ip.ip_address) ?? []), port.id]);
  for (const [address, ids] of ports) if (ids.length > 1) v.push(`address ${address} on ports ${ids.join(', ')}`);
  return v;
}

/** The violations found on two looks a moment apart ([] when the pool is sound). */
export async function poolInvariantViolations(p: Platform, opts: InvariantOptions = {}): Promise<string[]> {
  const first = await look(p, opts);
  if (first.length === 0) return [];
  await new Promise((r) => setTimeout(r, 1500));
  const second = new Set(await look(p, opts));
  return first.filter((x) => second.has(x));
}
