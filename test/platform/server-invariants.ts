// What must hold once server builds have settled, checked against every side at once: Cinder,
// Nova, Neutron, Keystone and PostgreSQL agree on who owns what, and nothing was handed out twice.
// Shared by the concurrency and the worker-crash tests (and their controls).
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Volume } from '../../openstack/cinder';
import { BUILD_METADATA_KEY } from '../../servers/tenant-disks';
import type { Platform } from './harness';
import { TENANTS } from './server-fixture';

/** One thing handed to one build: a spare (its volume id) or a fixed IP. */
export interface Grant {
  what: 'spare' | 'address' | 'system volume';
  id: string;
  holder: string;
}

export interface DoubleGrant {
  what: Grant['what'];
  id: string;
  holders: string[];
}

/**
 * Everything given to more than one holder. In a run where no build gave anything back (no
 * compensation), each of these is a double allocation; where builds failed, an id may legitimately
 * go to a second holder after the first released it, so read the findings with the builds' outcome.
 */
export function doubleGrants(grants: Grant[]): DoubleGrant[] {
  const holders = new Map<string, Set<string>>();
  for (const g of grants) {
    const key = `${g.what}\u0000${g.id}`;
    if (!holders.has(key)) holders.set(key, new Set());
    holders.get(key)!.add(g.holder);
  }
  return [...holders]
    .filter(([, h]) => h.size > 1)
    .map(([key, h]) => {
      const [what, id] = key.split('\u0000') as [Grant['what'], string];
      return { what, id, holders: [...h].sort() };
    });
}

/**
 * What each build was given, as its workflow history records it (the results of its
 * takeSystemDisk and allocateFixedIp steps: local activities' markers, or activities'
 * completions), whether the build later succeeded or not.
 */
export async function grantsFromHistory(p: Platform, buildIds: string[]): Promise<Grant[]> {
  const perBuild = await Promise.all(
    buildIds.map(async (buildId) => {
      const history = await p.client.workflow.getHandle(buildId).fetchHistory();
      const scheduled = new Map<string, string>();
      const results: { type: string; value: unknown }[] = [];
      for (const e of history.events ?? []) {
        const s = e.activityTaskScheduledEventAttributes;
        if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
        const c = e.activityTaskCompletedEventAttributes;
        if (c) results.push({ type: scheduled.get(String(c.scheduledEventId)) ?? '', value: decode(c.result) });
        const m = e.markerRecordedEventAttributes;
        if (m?.markerName === LOCAL_ACTIVITY_MARKER) {
          const data = decode(m.details?.data) as { activity_type?: string } | undefined;
          results.push({ type: data?.activity_type ?? '', value: decode(m.details?.result) });
        }
      }
      return results.flatMap(({ type, value }): Grant[] => {
        const disk = value as { volumeId: string; path: string } | null;
        if (type === 'takeSystemDisk' && disk?.path === 'pool-hit')
          return [{ what: 'spare', id: disk.volumeId, holder: buildId }];
        if (type === 'allocateFixedIp' && typeof value === 'string')
          return [{ what: 'address', id: value, holder: buildId }];
        return [];
      });
    }),
  );
  return perBuild.flat();
}

/** The marker the SDK records a local activity's outcome in. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const decode = (payloads: { payloads?: Payload[] | null } | null | undefined): unknown => {
  const payload = payloads?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
};

/** What PostgreSQL says was given: each build's recorded system volume and address, each handout. */
export async function grantsFromDatabase(p: Platform): Promise<Grant[]> {
  const builds = await p.prisma.serverBuild.findMany();
  const handouts = await p.prisma.systemDiskHandout.findMany();
  return [
    ...builds.flatMap((b) =>
      b.systemVolumeId ? [{ what: 'system volume' as const, id: b.systemVolumeId, holder: b.id }] : [],
    ),
    ...builds.flatMap((b) => (b.address ? [{ what: 'address' as const, id: b.address, holder: b.id }] : [])),
    ...handouts.map((h) => ({ what: 'system volume' as const, id: h.volumeId, holder: h.buildId })),
  ];
}

const SETTLED = ['active', 'failed', 'deleted'];
const gone = (v: Volume) => v.status === 'deleting';
const spareName = /^spare-/;
const fallbackName = /^build-.*-sys$/;

/**
 * Every way Cinder, Nova, Neutron, Keystone and PostgreSQL can disagree about server builds once
 * they have settled; [] when they agree. A volume or server already `deleting` counts as gone
 * (the delete was accepted; it finishes without blockflow).
 */
export async function serverInvariantViolations(
  p: Platform,
  opts: { tenants?: (keyof typeof TENANTS)[] } = {},
): Promise<string[]> {
  const v: string[] = [];
  const builds = await p.prisma.serverBuild.findMany();
  const active = builds.filter((b) => b.status === 'active');
  const activeById = new Map(active.map((b) => [b.id, b]));
  for (const b of builds)
    if (!SETTLED.includes(b.status)) v.push(`build ${b.id} (${b.name}) is ${b.status} at ${b.step}`);

  // Each active build's resources are its own: no volume or address shared between two of them.
  for (const d of doubleGrants(
    active.flatMap((b) => [
      ...[b.systemVolumeId, b.swapVolumeId, b.dataVolumeId].flatMap((id) =>
        id ? [{ what: 'system volume' as const, id, holder: b.id }] : [],
      ),
      ...(b.address ? [{ what: 'address' as const, id: b.address, holder: b.id }] : []),
    ]),
  )) {
    v.push(`${d.what} ${d.id} belongs to several active builds: ${d.holders.join(', ')}`);
  }

  // Tenants' projects: every volume belongs to an active build; every server is an active build's.
  const volumeOwner = new Map<string, string>();
  for (const b of active) {
    for (const id of [b.systemVolumeId, b.swapVolumeId, b.dataVolumeId]) if (id) volumeOwner.set(id, b.id);
  }
  const tenantVolumeIds = new Set<string>();
  const checkedProjects = new Set<string>();
  for (const who of opts.tenants ?? ['demo']) {
    const clients = p.cloud.tenant(TENANTS[who]);
    const { projectId } = await clients.session.authenticate();
    checkedProjects.add(projectId);
    const servers = await clients.nova.listServers();
    const serversById = new Map(servers.map((s) => [s.id, s]));
    for (const s of servers) {
      const owner = activeById.get(s.metadata?.[BUILD_METADATA_KEY] ?? '');
      if (!owner || owner.serverId !== s.id)
        v.push(`${who}: server ${s.id} (${s.name}, ${s.status}) has no active build`);
      else if (s.status !== 'ACTIVE') v.push(`${who}: server ${s.id} of active build ${owner.id} is ${s.status}`);
    }
    for (const vol of (await clients.cinder.listVolumes()).filter((x) => !gone(x))) {
      tenantVolumeIds.add(vol.id);
      const owner = volumeOwner.get(vol.id);
      if (!owner) v.push(`${who}: orphan volume ${vol.id} (${vol.name}, ${vol.status}) belongs to no active build`);
      else if (vol.status !== 'in-use') v.push(`${who}: volume ${vol.id} of active build ${owner} is ${vol.status}`);
    }
    for (const b of active.filter((x) => x.projectId === projectId)) {
      const server = b.serverId ? serversById.get(b.serverId) : undefined;
      if (!server) {
        v.push(`active build ${b.id} (${b.name}): its server ${b.serverId} is not in Nova`);
        continue;
      }
      const addrs = Object.values(server.addresses ?? {})
        .flat()
        .map((a) => a.addr);
      if (addrs.join() !== b.address) {
        v.push(`active build ${b.id}: Nova gives its server [${addrs}], the build ${b.address}`);
      }
      const attached = (server['os-extended-volumes:volumes_attached'] ?? []).map((a) => a.id).sort();
      const own = [b.systemVolumeId, b.swapVolumeId, b.dataVolumeId].filter((x): x is string => !!x).sort();
      if (attached.join() !== own.join())
        v.push(`active build ${b.id}: its server has [${attached}], the build [${own}]`);
    }
  }
  for (const b of active.filter((x) => checkedProjects.has(x.projectId))) {
    for (const id of [b.systemVolumeId, b.swapVolumeId, b.dataVolumeId]) {
      if (id && !tenantVolumeIds.has(id))
        v.push(`active build ${b.id} (${b.name}): volume ${id} is not in its project`);
    }
    if (!b.address) v.push(`active build ${b.id} (${b.name}) has no address`);
  }

  // The admin project: no system disk built on demand left, spare rows and spare volumes the same set.
  const adminVolumes = (await p.cloud.admin.cinder.listVolumes()).filter((x) => !gone(x));
  const adminById = new Map(adminVolumes.map((x) => [x.id, x]));
  for (const x of adminVolumes) {
    if (fallbackName.test(x.name ?? '')) v.push(`admin: fallback disk ${x.id} (${x.name}, ${x.status}) left behind`);
  }
  const spares = await p.prisma.spareVolume.findMany();
  const spareVolumeIds = new Set(spares.map((s) => s.volumeId));
  for (const s of spares) {
    if (s.allocated) v.push(`spare ${s.name} (${s.volumeId}) still claimed by ${s.claimedBy}`);
    if (!s.volumeId) continue;
    const vol = adminById.get(s.volumeId);
    if (!vol) v.push(`spare ${s.name}: its volume ${s.volumeId} is not in the admin project`);
    else if (s.status === 'available' && vol.status !== 'available')
      v.push(`spare ${s.name}: volume ${s.volumeId} is ${vol.status}`);
    if (tenantVolumeIds.has(s.volumeId)) v.push(`spare ${s.name}: volume ${s.volumeId} is also a tenant's`);
  }
  for (const x of adminVolumes) {
    if (spareName.test(x.name ?? '') && !spareVolumeIds.has(x.id))
      v.push(`admin: spare volume ${x.id} (${x.name}) has no row`);
  }

  // Handovers: nothing pending, and the builds' trusts are gone with the builds.
  for (const t of await p.cloud.admin.cinder.listTransfers()) v.push(`transfer ${t.id} (${t.name}) still pending`);
  const { trusts } = await p.cloud.admin.session.identity<{ trusts: { id: string }[] }>({
    method: 'GET',
    path: '/OS-TRUST/trusts',
  });
  for (const t of trusts) v.push(`trust ${t.id} still there`);

  // Addresses: the table, the builds and Neutron's ports say the same.
  const allocated = await p.prisma.fixedIp.findMany({ where: { allocated: true } });
  const rowByHolder = new Map<string, string[]>();
  for (const row of allocated) {
    const holder = row.allocatedTo ?? '(nobody)';
    rowByHolder.set(holder, [...(rowByHolder.get(holder) ?? []), row.address]);
    const owner = activeById.get(holder);
    if (!owner) v.push(`address ${row.address} allocated to ${holder}, which is not an active build`);
    else if (owner.address !== row.address)
      v.push(`address ${row.address} allocated to ${holder}, whose address is ${owner.address}`);
  }
  for (const b of active) {
    const rows = rowByHolder.get(b.id) ?? [];
    if (rows.length !== 1 || rows[0] !== b.address)
      v.push(`active build ${b.id} holds [${rows}] in fixed_ips, its address is ${b.address}`);
  }
  const managed = new Set((await p.prisma.managedNetwork.findMany()).map((n) => n.id));
  const serverOwner = new Map(active.map((b) => [b.serverId, b]));
  for (const port of await p.cloud.admin.neutron.listPorts()) {
    if (!managed.has(port.network_id)) continue;
    const owner = serverOwner.get(port.device_id);
    const addrs = port.fixed_ips.map((f) => f.ip_address).join();
    if (!owner) v.push(`port ${port.id} (${addrs}) of ${port.device_id} belongs to no active build`);
    else if (addrs !== owner.address)
      v.push(`port ${port.id} of build ${owner.id} holds ${addrs}, the build ${owner.address}`);
  }
  return v;
}
