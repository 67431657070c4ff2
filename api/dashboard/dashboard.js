// The dashboard's script: reads the API's JSON routes, renders tables and charts, refreshes every
// few seconds (?refresh=<seconds> to change). No framework and no build step: what is served is this file.
import { histogram, levelChart } from '/dashboard/charts.js';

const REFRESH_MS = 1000 * Number(new URLSearchParams(location.search).get('refresh') ?? 5);
const $ = (sel) => document.querySelector(sel);

/** An element with attributes and children (strings become text nodes: never markup). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, String(v));
  }
  el.append(
    ...children
      .flat()
      .filter((c) => c !== undefined && c !== null)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
  return el;
}

const num = (v, field) => h('td', { class: 'num', 'data-field': field }, v ?? '–');
const ms = (v) =>
  v === null || v === undefined ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
const ago = (iso) => ms(Date.now() - Date.parse(iso));
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
const kindKey = (volumeType, osName) => `${volumeType}/${osName}`;

let links = { temporalUi: null, namespace: 'default' };
const workflowUrl = (id) =>
  links.temporalUi &&
  `${links.temporalUi}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(id)}`;
const scheduleUrl = (id) =>
  links.temporalUi &&
  `${links.temporalUi}/namespaces/${encodeURIComponent(links.namespace)}/schedules/${encodeURIComponent(id)}`;
const linked = (text, url) => (url ? h('a', { href: url, target: '_blank', class: 'temporal-link' }, text) : text);

async function getJson(path) {
  // The header marks a poll: the API logs these at debug, so an open dashboard does not flood the log.
  const res = await fetch(path, { headers: { 'X-Blockflow-Poll': 'dashboard' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function levelBar(k) {
  const total = Math.max(k.target, k.available + k.creating + k.claimed, 1);
  const part = (cls, v) => h('span', { class: cls, style: `width:${(100 * v) / total}%`, title: `${cls} ${v}` });
  return h(
    'div',
    { class: 'bar', title: `target ${k.target}` },
    part('available', k.available),
    part('creating', k.creating),
    part('claimed', k.claimed),
  );
}

/** The kind's image refresh while it matters (running, paused, or ended other than done), its reason as the title. */
function refreshPill(r) {
  if (!r || r.state === 'done') return null;
  const cls = r.state === 'running' ? 'ok' : r.state === 'rolled_back' ? 'rolled_back' : 'paused';
  const title = `image refresh to ${r.snapshotId}${r.reason ? `: ${r.reason}` : ''}`;
  return h('span', { class: `pill ${cls}`, 'data-field': 'refresh', title }, `refresh ${r.state.replace('_', ' ')}`);
}

/** How the target is set, and the forecast behind it (the reason is the cell's title). */
function sizingText(s) {
  if (s.forecastPerHour === null) return s.mode; // static, or no forecast decided yet
  const burst = s.burstUntil && new Date(s.burstUntil) > new Date() ? ' · burst' : '';
  return `${s.mode} · ${s.forecastPerHour.toFixed(1)}/h · lead ${Math.round(s.leadTimeSeconds)} s${burst}`;
}

function renderKinds(pool, claims) {
  const byKind = new Map(claims.kinds.map((c) => [kindKey(c.volumeType, c.osName), c]));
  $('#kinds tbody').replaceChildren(
    ...pool.kinds.map((k) => {
      const c = byKind.get(kindKey(k.volumeType, k.osName));
      return h(
        'tr',
        { 'data-kind': kindKey(k.volumeType, k.osName) },
        h('td', {}, k.volumeType),
        h('td', {}, k.osName),
        h('td', {}, h('span', { class: `pill ${k.status}` }, k.status), refreshPill(k.refresh)),
        h('td', {}, levelBar(k)),
        h('td', { class: 'num', 'data-field': 'target', title: k.sizing.reason }, k.target),
        h('td', { 'data-field': 'sizing', title: k.sizing.reason }, sizingText(k.sizing)),
        num(k.available, 'available'),
        num(k.creating, 'creating'),
        num(k.claimed, 'claimed'),
        num(k.stuck, 'stuck'),
        h('td', { class: `num ${k.recentFailures ? 'bad' : ''}`, 'data-field': 'recentFailures' }, k.recentFailures),
        num(c?.hits ?? 0, 'hits'),
        num(c?.fallbacks ?? 0, 'fallbacks'),
        num(c ? `${Math.round(100 * c.hitRate)} %` : '–', 'hitRate'),
        num(c ? `${ms(c.hitHandoverMsP50)} / ${ms(c.hitHandoverMsP95)}` : '–', 'claimLatency'),
      );
    }),
  );
}

function renderHistory(history, pool) {
  const targets = new Map(pool.kinds.map((k) => [kindKey(k.volumeType, k.osName), k.target]));
  const legend = h(
    'div',
    { class: 'legend muted' },
    h('span', {}, h('i', { style: 'background:#2e9e5b' }), 'available'),
    h('span', {}, h('i', { style: 'background:#e0a224' }), 'creating'),
    h('span', {}, h('i', { style: 'background:#4a78d0' }), 'claimed'),
  );
  const charts = history.kinds.map((k) =>
    levelChart({
      title: kindKey(k.volumeType, k.osName),
      points: k.points,
      target: targets.get(kindKey(k.volumeType, k.osName)),
    }),
  );
  $('#history').replaceChildren(
    legend,
    ...(charts.length ? charts : [h('p', { class: 'muted' }, 'no pool history yet')]),
  );
}

function renderLatency(latency) {
  $('#latency').replaceChildren(
    h('p', {}, `${latency.count} creates · p50 ${ms(latency.p50Ms)} · p95 ${ms(latency.p95Ms)}`),
    histogram({ buckets: latency.buckets }),
  );
}

function renderSchedules(pool) {
  $('#schedules tbody').replaceChildren(
    ...pool.schedules.map((s) =>
      h(
        'tr',
        { 'data-schedule': s.id },
        h('td', {}, linked(s.id, scheduleUrl(s.id))),
        h('td', {}, s.intervalSeconds === null ? '–' : `${s.intervalSeconds} s`),
        h('td', {}, s.paused ? '–' : time(s.nextRuns[0])),
        h(
          'td',
          {},
          h(
            'span',
            { class: `pill ${s.paused ? 'paused' : 'ok'}` },
            s.paused ? `paused${s.note ? `: ${s.note}` : ''}` : 'running',
          ),
        ),
        num(s.actionsTaken, 'actionsTaken'),
        num(s.skippedOverlap, 'skippedOverlap'),
      ),
    ),
  );
}

function renderRounds(rounds) {
  $('#rounds tbody').replaceChildren(
    ...rounds.rounds.map((r) =>
      h(
        'tr',
        { 'data-round': r.id },
        h('td', {}, linked(r.kind, workflowUrl(r.workflowId))),
        h('td', {}, time(r.startedAt)),
        h('td', {}, r.finishedAt ? ms(r.durationMs) : 'running'),
        num(r.created, 'created'),
        h('td', { class: `num ${r.failed ? 'bad' : ''}` }, r.failed),
        num(r.dropped, 'dropped'),
        h(
          'td',
          { class: 'muted' },
          Object.entries(r.did)
            .filter(([, v]) => v)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'nothing to do',
        ),
      ),
    ),
  );
}

function renderInFlight(work) {
  const rows = [
    ...work.builds.map((b) => [
      'server build',
      linked(b.name, workflowUrl(b.id)),
      `${b.step}${b.path ? ` (${b.path})` : ''}`,
      b.startedAt,
      b.id,
    ]),
    ...work.drills.map((d) => [
      `${d.scenario} drill (${d.form})`,
      linked(d.id, workflowUrl(d.id)),
      d.stepsDone.at(-1) ?? 'starting',
      d.startedAt,
      d.id,
    ]),
    ...work.clones.map((c) => [
      'clone',
      linked(c.workflowId, workflowUrl(c.workflowId)),
      `${c.phase ?? '?'} ${c.percent ?? 0} %`,
      c.startedAt,
      c.workflowId,
    ]),
  ];
  // Builds whose undo or delete gave up: the reaper retries them; more than 0 for long wants a look.
  $('#stuck-builds').textContent = `stuck server builds (cleanup pending, retried): ${work.stuckBuilds ?? 0}`;
  $('#in-flight tbody').replaceChildren(
    ...(rows.length
      ? rows.map(([what, name, step, started, id]) =>
          h(
            'tr',
            { 'data-workflow': id },
            h('td', {}, what),
            h('td', {}, name),
            h('td', {}, step),
            h('td', {}, ago(started)),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'nothing running'))]),
  );
}

function renderCatalog(catalog) {
  $('#catalog tbody').replaceChildren(
    ...catalog.images.map((i) =>
      h(
        'tr',
        {},
        h('td', {}, i.osName),
        h('td', {}, i.volumeType),
        h('td', { title: i.snapshotId }, i.snapshotName),
        num(`${i.sizeGb} GB`),
        h('td', {}, time(i.syncedAt)),
      ),
    ),
  );
}

async function refresh() {
  try {
    const [pool, claims, latency, history, rounds, work, catalog] = await Promise.all([
      getJson('/v1/pool'),
      getJson('/v1/dashboard/claims?hours=24'),
      getJson('/v1/dashboard/create-latency?hours=24'),
      getJson('/v1/dashboard/pool-history?hours=6&points=72'),
      getJson('/v1/dashboard/rounds?limit=10'),
      getJson('/v1/dashboard/in-flight'),
      getJson('/v1/pool/catalog?limit=100'),
    ]);
    renderKinds(pool, claims);
    renderHistory(history, pool);
    renderLatency(latency);
    renderSchedules(pool);
    renderRounds(rounds);
    renderInFlight(work);
    renderCatalog(catalog);
    $('#error').hidden = true;
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
  } catch (err) {
    // Shown on the page, not thrown: the next refresh may well succeed (a restart, a slow query).
    $('#error').hidden = false;
    $('#error').textContent = `could not refresh: ${err.message}`;
  }
}

async function main() {
  links = await getJson('/v1/dashboard/links');
  if (links.temporalUi) Object.assign($('#temporal-ui'), { href: links.temporalUi, hidden: false });
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

void main();
