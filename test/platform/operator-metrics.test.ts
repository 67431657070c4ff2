// /metrics against the database it is computed from, after a pool fill, builds that hit the pool and
// one that falls back, and a spare reconcile drops; then a real Prometheus scrapes it and answers a query.
import './operator-runtime';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, stopPid, type Daemon } from '../../infra/processes';
import { reconcilePool } from '../../workflows';
import { freePort } from '../setup/free-port';
import { waitFor, type Platform } from './harness';
import { run, startPool, testPoolConfig } from './pool-fixture';
import {
  fillPool,
  resetServerTables,
  serverRequest,
  SERVER_USERS,
  tenantApi,
  tenantToken,
  waitForBuild,
} from './server-fixture';
import { parseMetrics, sumOf, valueOf, type Sample } from './operator-scrape';

let p: Platform;
const DEBIAN_SSD = { volume_type: 'ssd', os: 'Debian9 64bit' };

async function scrape(): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${p.apiUrl}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseMetrics(text), contentType: res.headers.get('content-type') };
}

beforeAll(async () => {
  p = await startPool(testPoolConfig({ targetHighDemand: 2, targetLowDemand: 1 }), { users: SERVER_USERS });
  // The platform's database is shared by every file: start this pool's history from nothing.
  await p.prisma.$executeRaw`TRUNCATE spare_volume_events`;
  await resetServerTables(p);
  await fillPool(p);
  expect((await p.api('/v1/networks', { method: 'POST', body: { network: 'private' } })).status).toBe(200);
  // Debian on ssd has 2 spares: two builds hit the pool, the third falls back to a create.
  const token = await tenantToken(p);
  for (const name of ['m1', 'm2', 'm3']) {
    const res = await tenantApi(p, '/v1/servers', { method: 'POST', token, body: serverRequest(name) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await waitForBuild(p, token, res.body.id)).status).toBe('active');
  }
  // A spare deleted behind blockflow's back: reconcile drops it ("deleted in Cinder").
  const victim = await p.prisma.spareVolume.findFirstOrThrow({ where: { volumeType: 'sas', status: 'available' } });
  await p.cloud.admin.cinder.deleteVolume(victim.volumeId!);
  await waitFor(
    'the deleted spare gone from Cinder',
    async () => !(await p.cloud.admin.cinder.getVolume(victim.volumeId!).catch(() => null)),
  );
  await run(p, reconcilePool);
}, 240_000);

afterAll(async () => {
  await p?.close();
});

describe('/metrics', () => {
  it('gives every kind the levels the table holds and /v1/pool reports', async () => {
    const { samples, contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const pool = (await p.api('/v1/pool')).body;
    expect(pool.kinds).toHaveLength(4);
    for (const k of pool.kinds) {
      const labels = { volume_type: k.volumeType, os: k.osName };
      const rows = await p.prisma.spareVolume.groupBy({
        by: ['status', 'allocated'],
        where: { volumeType: k.volumeType, osName: k.osName },
        _count: { _all: true },
      });
      const db = (status: string | null, allocated: boolean) =>
        rows
          .filter((r) => (status === null || r.status === status) && r.allocated === allocated)
          .reduce((n, r) => n + r._count._all, 0);
      expect(valueOf(samples, 'blockflow_pool_available', labels)).toBe(db('available', false));
      expect(valueOf(samples, 'blockflow_pool_creating', labels)).toBe(db('creating', false));
      expect(valueOf(samples, 'blockflow_pool_claimed', labels)).toBe(db(null, true));
      expect(valueOf(samples, 'blockflow_pool_target', labels)).toBe(k.target);
      expect(valueOf(samples, 'blockflow_pool_available', labels)).toBe(k.available);
    }
    // The scenario: Debian/ssd was drained by two hits; one sas spare was dropped.
    expect(valueOf(samples, 'blockflow_pool_available', DEBIAN_SSD)).toBe(0);
  });

  it('counts creates, drops and claims as the rounds and the hand-outs recorded them', async () => {
    const { samples } = await scrape();
    const rounds = await p.prisma.poolRound.findMany();
    const createdByRounds = rounds.filter((r) => r.kind === 'replenish').reduce((n, r) => n + r.created, 0);
    expect(createdByRounds).toBeGreaterThan(0);
    expect(sumOf(samples, 'blockflow_spares_created_total')).toBe(createdByRounds);
    expect(valueOf(samples, 'blockflow_spares_dropped_total', { reason: 'deleted in Cinder' })).toBe(1);
    const handouts = await p.prisma.systemDiskHandout.groupBy({ by: ['path'], _count: { _all: true } });
    const handed = (path: string) => handouts.find((h) => h.path === path)?._count._all ?? 0;
    expect(valueOf(samples, 'blockflow_claims_total', { ...DEBIAN_SSD, result: 'hit' })).toBe(handed('pool-hit'));
    expect(valueOf(samples, 'blockflow_claims_total', { ...DEBIAN_SSD, result: 'miss' })).toBe(handed('fallback'));
    expect([handed('pool-hit'), handed('fallback')]).toEqual([2, 1]);
    for (const kind of ['replenish', 'reconcile', 'sync-os']) {
      expect(valueOf(samples, 'blockflow_pool_rounds_total', { kind }) ?? 0).toBe(
        rounds.filter((r) => r.kind === kind).length,
      );
    }
  });

  it('builds its histograms from the same rows', async () => {
    const { samples } = await scrape();
    // Every spare created was seen going creating → available once.
    expect(sumOf(samples, 'blockflow_spare_create_seconds_count')).toBe(
      sumOf(samples, 'blockflow_spares_created_total'),
    );
    const builds = await p.prisma.serverBuild.findMany({ where: { status: 'active' } });
    for (const path of ['pool-hit', 'fallback']) {
      const mine = builds.filter((b) => b.path === path);
      expect(valueOf(samples, 'blockflow_server_build_seconds_count', { path })).toBe(mine.length);
      const seconds = mine.reduce((n, b) => n + (b.finishedAt!.getTime() - b.createdAt.getTime()) / 1000, 0);
      expect(valueOf(samples, 'blockflow_server_build_seconds_sum', { path })).toBeCloseTo(seconds, 2);
      const buckets = samples.filter(
        (s) => s.name === 'blockflow_server_build_seconds_bucket' && s.labels.path === path,
      );
      const counts = buckets.map((b) => b.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
      expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: mine.length });
    }
    const finished = await p.prisma.poolRound.count({ where: { kind: 'reconcile', finishedAt: { not: null } } });
    expect(valueOf(samples, 'blockflow_pool_round_seconds_count', { kind: 'reconcile' })).toBe(finished);
  });

  it("forwards the Temporal SDK's own worker metrics", async () => {
    const { samples } = await scrape();
    expect(valueOf(samples, 'blockflow_temporal_sdk_metrics_up')).toBe(1);
    expect(samples.some((s) => s.name.startsWith('temporal_') && s.labels.task_queue === p.taskQueue)).toBe(true);
  });
});

describe("the dashboard's reads", () => {
  it('end the pool history at the levels /v1/pool gives now, and count claims as the hand-outs', async () => {
    const pool = (await p.api('/v1/pool')).body;
    const history = await p.api('/v1/dashboard/pool-history?hours=1&points=10');
    expect(history.status).toBe(200);
    for (const k of pool.kinds.filter((k: { status: string }) => k.status === 'ok')) {
      const series = history.body.kinds.find((h: any) => h.volumeType === k.volumeType && h.osName === k.osName);
      expect(series.points).toHaveLength(10);
      expect(series.points.at(-1)).toMatchObject({ available: k.available, creating: k.creating, claimed: k.claimed });
      expect(series.points[0]).toMatchObject({ available: 0, creating: 0, claimed: 0 }); // before the fill
    }
    const claims = await p.api('/v1/dashboard/claims?hours=1');
    expect(claims.body.kinds).toEqual([
      expect.objectContaining({ volumeType: 'ssd', osName: 'Debian9 64bit', hits: 2, fallbacks: 1 }),
    ]);
    const latency = await p.api('/v1/dashboard/create-latency?hours=1');
    const { samples } = await scrape();
    expect(latency.body.count).toBe(sumOf(samples, 'blockflow_spares_created_total'));
    expect(latency.body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(latency.body.count);
  });

  it('answer 400 naming the field for a value out of range, and change nothing', async () => {
    for (const [path, field] of [
      ['/v1/dashboard/pool-history?points=1', 'points'],
      ['/v1/dashboard/claims?hours=0', 'hours'],
      ['/v1/dashboard/create-latency?hours=abc', 'hours'],
      ['/v1/dashboard/rounds?limit=1000', 'limit'],
    ]) {
      const res = await p.api(path!);
      expect(res.status, path).toBe(400);
      expect(res.body.field, path).toBe(field);
    }
  });
});

describe('a real Prometheus', () => {
  let prom: Daemon | undefined;
  let dir: string;

  afterAll(async () => {
    if (prom) await stopPid(prom.pid);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes /metrics and answers a query with the value the API gives', async () => {
    dir = mkdtempSync(join(tmpdir(), 'blockflow-prometheus-'));
    const port = await freePort();
    const target = p.apiUrl.replace('http://', '');
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\n` +
        `scrape_configs:\n  - job_name: blockflow\n    static_configs: [{ targets: ['${target}'] }]\n`,
    );
    prom = spawnDaemon({
      name: 'prometheus',
      command: 'prometheus',
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      logFile: join(dir, 'prometheus.log'),
    });
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
      if (!res?.ok) return undefined;
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0] ? Number(body.data.result[0].value[1]) : undefined;
    };
    const pool = (await p.api('/v1/pool')).body;
    const centos = pool.kinds.find(
      (k: { volumeType: string; osName: string }) => k.volumeType === 'ssd' && k.osName === 'Centos7.3 64bit',
    );
    const got = await waitFor(
      'Prometheus to have scraped blockflow',
      () =>
        query('blockflow_pool_available{volume_type="ssd",os="Centos7.3 64bit"}').then((v) =>
          v === undefined ? false : { v },
        ),
      60_000,
    );
    expect(got.v).toBe(centos.available);
    expect(await query('sum(blockflow_claims_total{result="hit"})')).toBe(2);
    expect(await query('up{job="blockflow"}')).toBe(1);
    expect(await query(`count({__name__=~"temporal_.+",task_queue="${p.taskQueue}"})`)).toBeGreaterThan(0);
  });
});
