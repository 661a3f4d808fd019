/** Percentiles of a sample of latencies, for the benchmark commands' printed figures. */
export function percentiles(xs: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

export function stats(xs: number[]): string {
  const p = percentiles(xs);
  return `median ${p.p50.toFixed(1)} ms  p95 ${p.p95.toFixed(1)} ms`;
}
