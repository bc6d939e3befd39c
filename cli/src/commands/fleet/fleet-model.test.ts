import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency.js';
import { parseProc } from './proc-stats.js';
import { CART_SPOT_PER_DAY, nextGapMs, profileFor } from './rate-model.js';
import { type FleetReport, formatReport } from './report.js';

describe('fleet rate model', () => {
  it('makes the first share carts, the rest home kits at 5–20 readings a day', () => {
    const kinds = Array.from({ length: 10 }, (_, i) => profileFor(i, 10, 0.3, () => 0.5));
    expect(kinds.map((k) => k.kind)).toEqual(['cart', 'cart', 'cart', ...Array(7).fill('home-kit')]);
    expect(kinds[0]?.spotPerDay).toBe(CART_SPOT_PER_DAY);
    expect(profileFor(5, 10, 0, () => 0).spotPerDay).toBe(5);
    expect(profileFor(5, 10, 0, () => 0.999_999).spotPerDay).toBeCloseTo(20, 3);
  });

  it('draws exponential gaps with the rate × multiplier as mean', () => {
    // random() = 1 - 1/e gives exactly one mean gap.
    const r = () => 1 - Math.exp(-1);
    expect(nextGapMs(200, 1, r)).toBeCloseTo(86_400_000 / 200, 6);
    expect(nextGapMs(200, 100, r)).toBeCloseTo(86_400_000 / 20_000, 6);
    expect(nextGapMs(0, 100, r)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(nextGapMs(10, 1, () => 0.999_999_999))).toBe(true);
  });
});

describe('LatencyHistogram', () => {
  it('merges the buckets of other processes: the same percentiles as one histogram of every sample', () => {
    const whole = new LatencyHistogram();
    const parts = [new LatencyHistogram(), new LatencyHistogram()];
    for (let i = 1; i <= 1000; i++) {
      whole.record(i * 3);
      parts[i % 2]?.record(i * 3);
    }
    const merged = new LatencyHistogram();
    for (const p of parts) merged.merge(p.entries(), p.max);
    expect(merged.summary()).toEqual(whole.summary());
    expect(merged.summary()).toMatchObject({ samples: 1000, p50: 1500, p99: 2970, max: 3000 });
  });

  it('gives exact millisecond percentiles and null when empty', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ samples: 0, p50: null, p99: null, max: null });
    for (let i = 1; i <= 100; i++) h.record(i);
    h.record(120_000);
    expect(h.summary()).toEqual({ samples: 101, p50: 51, p99: 100, max: 120_000 });
  });
});

describe('parseProc', () => {
  it('reads CPU seconds after a command name with spaces and parentheses, and RSS', () => {
    const stat = `4242 (node (cloud) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 99 1000 300`;
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(parseProc(stat, status)).toEqual({ cpuSeconds: 3, rssBytes: 100 * 1024 * 1024, peakRssBytes: 200 * 1024 * 1024 });
    expect(() => parseProc('garbage', status)).toThrow(/unreadable \/proc stat/);
    expect(() => parseProc(stat, 'Name: x\n')).toThrow(/no VmRSS/);
  });
});

describe('formatReport', () => {
  it('prints every figure, dashes where the store could not be read', () => {
    const r: FleetReport = {
      mode: 'steady',
      gateways: 10,
      carts: 2,
      homeKits: 8,
      rateMultiplier: 100,
      durationS: 5,
      enrollS: 1.2,
      connected: 10,
      connectFailures: 0,
      sent: 40,
      acked: 40,
      stored: null,
      lost: null,
      duplicated: null,
      pending: 0,
      resent: 0,
      duplicateAcks: 0,
      rejected: 0,
      latencyMs: { samples: 40, p50: 12, p99: 80, max: 95 },
      cloud: { pid: null, cpuPercent: null, rssMiB: null, peakRssMiB: null, cpuPercentPer1000: null, rssMiBPer1000: null },
      simulator: { workers: 2, rssMiB: 100, cpuPercent: 3 },
      connect: { seconds: 2.5, connected: 10, failedAttempts: 1, cloudCpuMsPerGateway: 3.25, simulatorCpuMsPerGateway: null },
      loadAverage: [1.5, 2],
    };
    const t = formatReport(r);
    expect(t).toMatch(/gateways\s+10 \(2 carts, 8 home kits\), rate ×100/);
    expect(t).toMatch(/stored\s+— \(no store access\)/);
    expect(t).toMatch(/ingest latency\s+p50 12 ms {2}p99 80 ms {2}max 95 ms/);
    expect(t).toMatch(/first connection\s+10 in 2.5 s \(failed attempts 1\); CPU per gateway: cloud 3.25 ms, simulator —/);
  });
});
