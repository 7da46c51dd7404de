/** Prometheus text format → series (`name{a="x",b="y"}` with labels sorted) → value. */
export type Metrics = Map<string, number>;

export function parseMetrics(text: string): Metrics {
  const out: Metrics = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** The sum of every series of `name` whose labels include `labels`; undefined when there is none. */
export function sample(metrics: Metrics, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const [key, value] of metrics) {
    if (!key.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) continue;
    total = (total ?? 0) + value;
  }
  return total;
}

/** Metric names in the text (the family names of `# TYPE` lines). */
export function metricFamilies(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}
