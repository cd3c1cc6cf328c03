/**
 * A small writer of the Prometheus text exposition format, version 0.0.4
 * (docs/prometheus.md): each family once, its `# HELP` and `# TYPE` first, then every sample of
 * it; label values and HELP texts escaped as the format requires; numbers as Prometheus reads
 * them. A hand-written writer rather than prom-client: that library needs Node APIs (process,
 * perf_hooks, cluster) and keeps a mutable registry, while a read here only formats figures.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "gauge" | "counter" | "untyped";
export type Labels = Readonly<Record<string, string>>;
export type Sample = { labels: Labels; value: number };
export type Family = { name: string; help: string; type: MetricType; samples: readonly Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value: backslash, double quote and line feed become `\\`, `\"` and `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === "\\" ? "\\\\" : char === '"' ? '\\"' : "\\n"));
}

/** A HELP text: backslash and line feed escaped (a quote stays as it is). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => (char === "\\" ? "\\\\" : "\\n"));
}

/** A sample value as Go's ParseFloat reads it: integers without exponent, NaN and ±Inf by name. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Object.is(value, -0)) return "0";
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/**
 * The exposition of these families, in order. Throws on a name the format does not allow, on a
 * family named twice, and on two samples with the same labels: each is a bug of the caller.
 */
export function writeExposition(families: readonly Family[]): string {
  const seen = new Set<string>();
  let text = "";
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name: ${family.name}`);
    if (seen.has(family.name)) throw new Error(`family written twice: ${family.name}`);
    seen.add(family.name);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    const series = new Set<string>();
    for (const sample of family.samples) {
      for (const name of Object.keys(sample.labels)) {
        if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`invalid label name: ${name}`);
      }
      const labels = formatLabels(sample.labels);
      if (series.has(labels)) throw new Error(`duplicate series in ${family.name}`);
      series.add(labels);
      text += `${family.name}${labels} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}
