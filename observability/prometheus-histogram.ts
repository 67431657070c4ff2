// Prometheus histograms from counts already aggregated elsewhere (SQL), in the text exposition format:
// prom-client's Histogram only observes values one by one, and these are read from the database.

export interface HistogramSeries {
  labels: Record<string, string>;
  /** Cumulative counts, one per bound of the histogram's buckets (value ≤ bound). */
  cumulative: number[];
  count: number;
  sum: number;
}

export interface HistogramFamily {
  name: string;
  help: string;
  /** Upper bounds, ascending; +Inf is added. */
  buckets: number[];
  series: HistogramSeries[];
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export function renderHistogram(h: HistogramFamily): string {
  const lines = [`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`];
  for (const s of h.series) {
    h.buckets.forEach((le, i) =>
      lines.push(`${h.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.cumulative[i] ?? 0}`),
    );
    lines.push(`${h.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
    lines.push(`${h.name}_sum${labelText(s.labels)} ${s.sum}`);
    lines.push(`${h.name}_count${labelText(s.labels)} ${s.count}`);
  }
  return `${lines.join('\n')}\n`;
}
