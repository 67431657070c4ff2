// The dashboard in a real headless Chromium (Debian's package, driven by puppeteer-core) against the
// real start command: it loads with no console error, shows every kind with the API's numbers,
// follows a claim and a replenish round, and its Temporal links resolve in the Temporal Web UI.
// BLOCKFLOW_SCREENSHOTS=<folder> also saves the two pictures docs/observability.md shows there.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { stopPid } from '../../infra/processes';
import { waitForWith } from '../support/wait-for';
import { buildServer, demoToken, startBlockflow, type StartedBlockflow } from './start-command';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.BLOCKFLOW_SCREENSHOTS;
const waitFor = waitForWith({ timeoutMs: 60_000, intervalMs: 250 });

let b: StartedBlockflow;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

interface KindRow {
  kind: string;
  target: string;
  sizing: string;
  available: string;
  creating: string;
  claimed: string;
  hits: string;
  fallbacks: string;
}

const pageKinds = () =>
  page.$$eval('#kinds tbody tr', (rows) =>
    rows.map((r) => {
      const cell = (f: string) => r.querySelector(`[data-field="${f}"]`)?.textContent ?? '';
      return {
        kind: r.getAttribute('data-kind') ?? '',
        target: cell('target'),
        sizing: cell('sizing'),
        available: cell('available'),
        creating: cell('creating'),
        claimed: cell('claimed'),
        hits: cell('hits'),
        fallbacks: cell('fallbacks'),
      };
    }),
  );

/** True once the page shows exactly the API's kinds and levels (both read now; the pool moves). */
async function pageMatchesApi(): Promise<KindRow[] | false> {
  const [shown, pool] = await Promise.all([pageKinds(), b.call('/v1/pool')]);
  const want = pool.body.kinds.map((k: Record<string, unknown>) => ({
    kind: `${k.volumeType}/${k.osName}`,
    target: String(k.target),
    sizing: (k.sizing as { mode: string }).mode,
    available: String(k.available),
    creating: String(k.creating),
    claimed: String(k.claimed),
  }));
  const got = shown.map(({ kind, target, sizing, available, creating, claimed }) => ({
    kind,
    target,
    sizing: sizing.split(' · ')[0],
    available,
    creating,
    claimed,
  }));
  return JSON.stringify(got) === JSON.stringify(want) && shown;
}

const kindOf = (rows: KindRow[], kind: string) => rows.find((r) => r.kind === kind)!;

beforeAll(async () => {
  b = await startBlockflow({ SIMULATOR_CREATE_DELAY_MS: '300' });
  // Fill the pool now rather than at the schedule's next minute; reconcile marks creates available.
  expect((await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'replenish' } })).status).toBe(202);
  await waitFor('a spare of ssd/Debian9 available', async () => {
    await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'reconcile' } });
    const pool = await b.call('/v1/pool');
    return pool.body.kinds.some((k: any) => k.volumeType === 'ssd' && k.osName === 'Debian9 64bit' && k.available > 0);
  });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1100 });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${b.api}/?refresh=1`, { waitUntil: 'load' });
}, 300_000);

afterAll(async () => {
  const pid = browser?.process()?.pid;
  await browser?.close().catch(() => {});
  if (pid) await stopPid(pid, { graceMs: 2000 });
  // A shutdown that does not exit 0 shows why (once seen under load: the four tests passed, this failed).
  if (b) expect(await b.stop(), b.output().slice(-4000)).toBe(0);
});

describe('dashboard', () => {
  it('loads and shows every kind with the numbers the API gives', async () => {
    await page.waitForSelector('body[data-refreshes]');
    const shown = await waitFor('the page to show the pool as the API does', pageMatchesApi);
    expect(shown.length).toBe((await b.call('/v1/pool')).body.kinds.length);
    expect(shown.length).toBeGreaterThan(1);
    expect(await page.$eval('#error', (e) => e.hasAttribute('hidden'))).toBe(true);
    // The pictures are drawn: a level chart per kind with history, the latency histogram's bars.
    expect(await page.$$eval('#history svg', (s) => s.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#latency svg rect', (r) => r.length)).toBeGreaterThan(0);
    // replenish, reconcile and the catalog watch (config/pool.json sets catalogSyncIntervalSeconds)
    expect(await page.$$eval('#schedules tbody tr', (r) => r.length)).toBe(3);
    expect(await page.$$eval('#catalog tbody tr', (r) => r.length)).toBeGreaterThan(0);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('follows a claim: the hit shows and the levels stay the API’s', async () => {
    const before = kindOf(await pageKinds(), 'ssd/Debian9 64bit');
    const build = await buildServer(b, await demoToken(b), 'dash-1');
    expect(build).toMatchObject({ status: 'active', path: 'pool-hit' });
    const after = await waitFor('the hit on the page', async () => {
      const rows = await pageMatchesApi();
      return rows && kindOf(rows, 'ssd/Debian9 64bit').hits === String(Number(before.hits) + 1) && rows;
    });
    expect(kindOf(after, 'ssd/Debian9 64bit').fallbacks).toBe(before.fallbacks);
    expect(problems).toEqual([]);
  });

  it('follows a replenish round: the new round is listed and the levels are the API’s', async () => {
    const latest = async () => (await b.call('/v1/dashboard/rounds?limit=1')).body.rounds[0]?.id;
    const shownRounds = () => page.$$eval('#rounds tbody tr', (rows) => rows.map((r) => r.getAttribute('data-round')));
    const previous = await latest();
    const seenBefore = await shownRounds();
    expect((await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'replenish' } })).status).toBe(202);
    const round = await waitFor('a new round recorded', async () => {
      const id = await latest();
      return id !== previous && id;
    });
    expect(seenBefore).not.toContain(round);
    await waitFor('the new round on the page', async () => (await shownRounds()).includes(round));
    await waitFor('the page to show the pool as the API does', pageMatchesApi);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-after-claim.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('links every workflow and schedule into the Temporal UI, and the UI knows them', async () => {
    const links = await page.$$eval('a.temporal-link', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(links.length).toBeGreaterThanOrEqual(3); // two schedules and at least one round
    for (const link of links) {
      expect(link.startsWith(`${b.temporalUi}/namespaces/default/`), link).toBe(true);
      expect((await fetch(link)).status, link).toBe(200);
      // The page is the UI's single-page app; its API answers for this very workflow or schedule.
      const api = link.replace(`${b.temporalUi}/namespaces/`, `${b.temporalUi}/api/v1/namespaces/`);
      expect((await fetch(api)).status, api).toBe(200);
    }
  });
});
