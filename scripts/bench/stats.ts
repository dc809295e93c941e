/** Small statistics and a plain-text table for the benchmarks. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `4.1 s (0.0–6.6)`: the median and the range, so the machine's noise shows. */
export function spread(values: number[], unit: string, digits = 1): string {
  if (values.length === 0) return '–';
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))}${unit} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

/** How many times smaller `ours` is than `theirs` (by median), as `9.8×`. */
export function ratio(ours: number[], theirs: number[]): string {
  const a = median(ours);
  const b = median(theirs);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return '–';
  if (a <= 0) return b > 0 ? '∞' : '–';
  return `${(b / a).toFixed(1)}×`;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => `| ${values.map((v, i) => (v ?? '').padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
