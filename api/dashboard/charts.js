// Inline SVG pictures for the dashboard: small multiples of a level over time, and a histogram.
// Built with DOM calls (no innerHTML), so names from the API never become markup.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** One small chart per series: available (line) and creating (dashed) against the target (grey). */
export function levelChart({ title, points, target, width = 240, height = 90 }) {
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  const pad = { l: 22, r: 4, t: 14, b: 14 };
  const max = Math.max(1, target ?? 0, ...points.map((p) => Math.max(p.available, p.creating, p.claimed)));
  const x = (i) => pad.l + (i / Math.max(1, points.length - 1)) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - (v / max) * (height - pad.t - pad.b);
  root.append(svg('text', { x: 0, y: 10 }, title));
  root.append(svg('text', { x: 0, y: y(max) + 3 }, String(max)), svg('text', { x: 0, y: y(0) + 3 }, '0'));
  if (target !== undefined)
    root.append(
      svg('line', {
        x1: pad.l,
        x2: width - pad.r,
        y1: y(target),
        y2: y(target),
        stroke: '#bbb',
        'stroke-dasharray': '2 2',
      }),
    );
  const line = (field, color, dash) =>
    svg('polyline', {
      fill: 'none',
      stroke: color,
      'stroke-width': 1.5,
      ...(dash ? { 'stroke-dasharray': dash } : {}),
      points: points.map((p, i) => `${x(i).toFixed(1)},${y(p[field]).toFixed(1)}`).join(' '),
    });
  root.append(line('available', '#2e9e5b'), line('creating', '#e0a224', '3 2'), line('claimed', '#4a78d0', '1 2'));
  if (points.length) {
    const first = new Date(points[0].at);
    const last = new Date(points[points.length - 1].at);
    const hm = (d) => d.toTimeString().slice(0, 5);
    root.append(svg('text', { x: pad.l, y: height - 2 }, hm(first)));
    root.append(svg('text', { x: width - pad.r - 26, y: height - 2 }, hm(last)));
  }
  return root;
}

/** Bars per bucket (count in the bucket), labelled by upper bound. */
export function histogram({ buckets, width = 480, height = 150, unit = 's' }) {
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'histogram' });
  const pad = { l: 28, r: 4, t: 8, b: 26 };
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const w = (width - pad.l - pad.r) / buckets.length;
  root.append(svg('text', { x: 0, y: pad.t + 8 }, String(max)), svg('text', { x: 0, y: height - pad.b }, '0'));
  buckets.forEach((b, i) => {
    const h = (b.count / max) * (height - pad.t - pad.b);
    const bar = svg('rect', { x: pad.l + i * w + 1, y: height - pad.b - h, width: w - 2, height: h, fill: '#4a78d0' });
    bar.append(svg('title', {}, `${b.count} ≤ ${b.leSeconds ?? '∞'} ${unit}`));
    root.append(bar);
    root.append(
      svg('text', { x: pad.l + i * w + 2, y: height - pad.b + 12 }, b.leSeconds === null ? '∞' : `≤${b.leSeconds}`),
    );
  });
  root.append(svg('text', { x: pad.l, y: height - 2 }, `seconds from the create's intent to available`));
  return root;
}
