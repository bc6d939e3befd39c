/**
 * Send → ack latencies of the whole fleet, in 1 ms buckets up to 60 s (then one overflow bucket):
 * constant memory whatever the number of readings, percentiles exact to the millisecond.
 */
const MAX_MS = 60_000;

export interface LatencySummary {
  samples: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export class LatencyHistogram {
  private readonly buckets = new Uint32Array(MAX_MS + 2);
  private count = 0;
  private maxMs = 0;

  record(ms: number): void {
    const v = Math.max(0, Math.round(ms));
    this.buckets[Math.min(v, MAX_MS + 1)] = (this.buckets[Math.min(v, MAX_MS + 1)] ?? 0) + 1;
    this.count++;
    if (v > this.maxMs) this.maxMs = v;
  }

  /** The non-empty buckets as [ms, count]: what a worker process sends its parent. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.buckets.forEach((n, ms) => {
      if (n > 0) out.push([ms, n]);
    });
    return out;
  }

  get max(): number {
    return this.maxMs;
  }

  /** Adds another histogram's buckets (from `entries()`) and its maximum. */
  merge(entries: readonly (readonly [number, number])[], maxMs: number): void {
    for (const [ms, n] of entries) {
      const i = Math.min(Math.max(0, Math.round(ms)), MAX_MS + 1);
      this.buckets[i] = (this.buckets[i] ?? 0) + n;
      this.count += n;
    }
    if (entries.length > 0 && maxMs > this.maxMs) this.maxMs = maxMs;
  }

  /** The smallest value v such that at least `q` of the samples are ≤ v (MAX_MS + 1 means "over 60 s"). */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] ?? 0;
      if (seen >= rank) return i;
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return { samples: this.count, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.count ? this.maxMs : null };
  }
}
