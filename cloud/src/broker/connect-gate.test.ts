import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADMISSION_WINDOW_MS, ConnectGate, DEFAULT_CONNECT_RATE, queueBound } from './connect-gate.js';
import { UplinkCredit } from './uplink-credit.js';

describe('ConnectGate', () => {
  it('admits the burst, then the sustained rate, and counts what it sheds', () => {
    let now = 0;
    const gate = new ConnectGate({ perSecond: 10, burst: 3 }, () => now);
    expect([gate.admit(), gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, true, false]);
    now += 100; // one token back at 10/s
    expect([gate.admit(), gate.admit()]).toEqual([true, false]);
    now += 10_000; // a long quiet period refills only up to the burst
    expect(Array.from({ length: 5 }, () => gate.admit())).toEqual([true, true, true, false, false]);
    expect(gate.shedCount()).toBe(4);
  });

  it('sheds while maxPending handshakes are unsettled, whatever the rate allows', () => {
    const gate = new ConnectGate({ perSecond: 1000, burst: 1000, maxPending: 2 }, () => 0);
    expect([gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, false]);
    gate.settled();
    expect([gate.admit(), gate.admit()]).toEqual([true, false]);
    gate.settled();
    gate.settled();
    gate.settled(); // more settles than admits never open more room than maxPending
    expect([gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, false]);
    expect(gate.shedCount()).toBe(3);
  });

  it('holds what it cannot admit in a bounded queue, admits it in arrival order as room frees, refuses it past maxWaitMs', () => {
    let now = 0;
    const gate = new ConnectGate<string>({ perSecond: 1000, burst: 1000, maxPending: 1, maxQueued: 2, maxWaitMs: 5000 }, () => now);
    expect(['a', 'b', 'c', 'd'].map((x) => gate.offer(x))).toEqual(['admitted', 'queued', 'queued', 'shed']);
    expect(gate.queued()).toBe(2);
    expect(gate.release()).toEqual({ admitted: [], expired: [] }); // the slot is still taken
    gate.settled();
    expect(gate.release()).toEqual({ admitted: ['b'], expired: [] });
    // A newcomer does not overtake 'c', although 'b' settled.
    gate.settled();
    expect(gate.offer('e')).toBe('queued');
    expect(gate.release()).toEqual({ admitted: ['c'], expired: [] });
    expect(gate.nextExpiryMs()).toBe(5000);
    now += 5001;
    gate.settled();
    expect(gate.release()).toEqual({ admitted: [], expired: ['e'] });
    expect(gate.queued()).toBe(0);
    expect(gate.shedCount()).toBe(2);
  });

  it('admits the queued ones as tokens come back, and forgets one that closed while waiting', () => {
    let now = 0;
    const gate = new ConnectGate<string>({ perSecond: 10, burst: 1, maxQueued: 10 }, () => now);
    expect(['a', 'b', 'c', 'd'].map((x) => gate.offer(x))).toEqual(['admitted', 'queued', 'queued', 'queued']);
    expect(gate.withdraw('c')).toBe(true);
    expect(gate.withdraw('c')).toBe(false);
    now += 100; // one token
    expect(gate.release()).toEqual({ admitted: ['b'], expired: [] });
    now += 100;
    expect(gate.release()).toEqual({ admitted: ['d'], expired: [] });
    expect(gate.nextExpiryMs()).toBeNull();
  });

  it('holds new connections while the uplinks in flight fill the credit, and admits them in order as the ingest acks', () => {
    const now = 0;
    const credit = new UplinkCredit({ maxInFlight: 2 }, () => now);
    const gate = new ConnectGate<string>(
      { perSecond: 1000, burst: 1000, maxQueued: 10 },
      () => now,
      () => credit.hasRoom(),
    );
    expect(gate.offer('a')).toBe('admitted');
    credit.received();
    credit.received(); // 'a' sent its two batches: the store has all it may queue
    expect(['b', 'c'].map((x) => gate.offer(x))).toEqual(['queued', 'queued']);
    expect(gate.release()).toEqual({ admitted: [], expired: [] });
    credit.acked();
    // Room is asked per admission: both pass while nothing new arrived; the next uplinks close it again.
    expect(gate.release()).toEqual({ admitted: ['b', 'c'], expired: [] });
    credit.received();
    expect(gate.offer('d')).toBe('queued');
    expect(gate.shedCount()).toBe(0);
  });

  it('refuses nonsense limits with the values', () => {
    expect(() => new ConnectGate({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0.*"perSecond":0/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 0 })).toThrow(/burst ≥ 1/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 1, maxQueued: -1 })).toThrow(/maxQueued ≥ 0/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 1, maxWaitMs: 0 })).toThrow(/maxWaitMs > 0/);
  });
});

describe('the queue sized by the admission rate', () => {
  it('queueBound: the admissions a hold can see through, within [minQueued, maxQueued], monotone in the rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        (lo, span, maxWaitMs, r1, r2) => {
          const o = { minQueued: lo, maxQueued: lo + span, maxWaitMs };
          const b = queueBound(r1, o);
          expect(b).toBeGreaterThanOrEqual(o.minQueued);
          expect(b).toBeLessThanOrEqual(o.maxQueued);
          if (b > o.minQueued && b < o.maxQueued) expect(b).toBe(Math.floor((r1 * maxWaitMs) / 1000));
          if (r1 <= r2) expect(b).toBeLessThanOrEqual(queueBound(r2, o));
        },
      ),
    );
  });

  it('by default holds 25 s, from 2,000 to 10,000 connections (docs/region.md « Fewer refusals »)', () => {
    expect(DEFAULT_CONNECT_RATE).toMatchObject({ maxWaitMs: 25_000, minQueued: 2000, maxQueued: 10_000 });
    expect(queueBound(100, { minQueued: 2000, maxQueued: 10_000, maxWaitMs: 25_000 })).toBe(2500);
  });

  it('holds as many as the last 10 s of admissions can serve within maxWaitMs, refuses the rest at once', () => {
    let now = 0;
    const gate = new ConnectGate<number>({ perSecond: 100, burst: 1, maxQueued: 1000, minQueued: 10, maxWaitMs: 2000 }, () => now);
    expect(gate.queueLimit()).toBe(10); // nothing admitted yet: the floor
    let n = 0;
    // 10 s of admissions at 100 a second (one token each 10 ms), nobody waiting.
    for (let t = 0; t < ADMISSION_WINDOW_MS; t += 10) {
      now = t;
      expect(gate.offer(n++)).toBe('admitted');
      gate.settled();
    }
    expect(gate.admissionRate()).toBeCloseTo(100, 0);
    expect(gate.queueLimit()).toBe(200); // 100 a second × 2 s
    const verdicts = Array.from({ length: 250 }, () => gate.offer(n++));
    expect(verdicts.filter((v) => v === 'queued')).toHaveLength(200);
    expect(verdicts.filter((v) => v === 'shed')).toHaveLength(50);
    // A quiet window later the rate is gone and the floor is back.
    now += ADMISSION_WINDOW_MS + 1000;
    gate.release();
    expect(gate.admissionRate()).toBeLessThan(1);
  });

  it('never holds more than maxQueued, whatever comes and goes (the held sockets’ memory is bounded)', () => {
    type Op = { kind: 'offer' } | { kind: 'settle' } | { kind: 'release' } | { kind: 'wait'; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'offer' }),
      fc.constant<Op>({ kind: 'settle' }),
      fc.constant<Op>({ kind: 'release' }),
      fc.integer({ min: 0, max: 3000 }).map((ms): Op => ({ kind: 'wait', ms })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 30 }), fc.array(op, { maxLength: 400 }), (lo, span, ops) => {
        let now = 0;
        const gate = new ConnectGate<number>(
          { perSecond: 50, burst: 5, maxPending: 3, minQueued: lo, maxQueued: lo + span, maxWaitMs: 1500 },
          () => now,
        );
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'offer') gate.offer(n++);
          else if (o.kind === 'settle') gate.settled();
          else if (o.kind === 'release') gate.release();
          else now += o.ms;
          expect(gate.queued()).toBeLessThanOrEqual(lo + span);
        }
      }),
    );
  });
});
