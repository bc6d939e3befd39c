import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditLimit, DEFAULT_UPLINK_CREDIT, RATE_WINDOW_MS, UplinkCredit } from './uplink-credit.js';

type Op = { kind: 'received' } | { kind: 'acked' } | { kind: 'wait'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'received' }),
  fc.constant<Op>({ kind: 'acked' }),
  fc.integer({ min: 0, max: 4000 }).map((ms): Op => ({ kind: 'wait', ms })),
);

describe('UplinkCredit', () => {
  it('closes at maxInFlight uplinks and opens again as the ingest acks them', () => {
    const credit = new UplinkCredit({ maxInFlight: 2 }, () => 0);
    expect(credit.hasRoom()).toBe(true);
    credit.received();
    credit.received();
    expect([credit.inFlight(), credit.hasRoom()]).toEqual([2, false]);
    credit.acked();
    expect([credit.inFlight(), credit.hasRoom()]).toEqual([1, true]);
    credit.acked();
    credit.acked(); // an ack of nothing counted (a late one) opens no extra room
    credit.received();
    credit.received();
    expect(credit.hasRoom()).toBe(false);
  });

  it('forgets an uplink never acked after forgetAfterMs, so a lost ack does not close the door for good', () => {
    let now = 1000;
    const credit = new UplinkCredit({ maxInFlight: 1, forgetAfterMs: 3200 }, () => now);
    credit.received();
    now += 3200 - 1;
    expect(credit.hasRoom()).toBe(false);
    now += 100 + 1; // one bucket (3,200 ÷ 32) later at most
    expect([credit.inFlight(), credit.hasRoom()]).toEqual([0, true]);
  });

  it('matches a model: each uplink counts from its receipt until acked (oldest first) or forgotten', () => {
    const forget = 3200;
    const bucket = 100;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
        let now = 0;
        const credit = new UplinkCredit({ maxInFlight: max, forgetAfterMs: forget }, () => now);
        // The model: receipt times of the uplinks still counted, oldest first.
        let model: number[] = [];
        const alive = () => {
          model = model.filter((t) => now - (t - (t % bucket)) < forget + bucket);
        };
        for (const o of ops) {
          if (o.kind === 'received') {
            credit.received();
            model.push(now);
          } else if (o.kind === 'acked') {
            credit.acked();
            alive();
            model.shift();
          } else now += o.ms;
          alive();
          expect(credit.inFlight()).toBe(model.length);
          expect(credit.hasRoom()).toBe(model.length < max);
          // Never forgotten before forgetAfterMs, always by forgetAfterMs plus one bucket.
          expect(model.every((t) => now - t < forget + bucket)).toBe(true);
        }
      }),
    );
  });

  it('refuses options that would never admit or never forget', () => {
    expect(() => new UplinkCredit({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => new UplinkCredit({ maxInFlight: 10, forgetAfterMs: 0 })).toThrow(/forgetAfterMs/);
    expect(() => new UplinkCredit({ maxInFlight: 10, targetAckMs: 0 })).toThrow(/targetAckMs/);
    expect(() => new UplinkCredit({ maxInFlight: 10, targetAckMs: 1000, minInFlight: 11 })).toThrow(/minInFlight/);
    expect(() => new UplinkCredit({ maxInFlight: 10, targetAckMs: 1000, minInFlight: 0 })).toThrow(/minInFlight/);
  });

  it('creditLimit: the ack rate × targetAckMs, never below minInFlight nor above maxInFlight, growing with the rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        (a, b, target, r1, r2) => {
          const o = { minInFlight: Math.min(a, b) || 1, maxInFlight: Math.max(a, b, 1), targetAckMs: target };
          const l1 = creditLimit(r1, o);
          expect(l1).toBeGreaterThanOrEqual(o.minInFlight);
          expect(l1).toBeLessThanOrEqual(o.maxInFlight);
          expect(Number.isInteger(l1)).toBe(true);
          const want = Math.floor((r1 * target) / 1000);
          if (want >= o.minInFlight && want <= o.maxInFlight) expect(l1).toBe(want);
          if (r2 >= r1) expect(creditLimit(r2, o)).toBeGreaterThanOrEqual(l1);
        },
      ),
    );
    // The defaults' arithmetic: 90 acks a second (a loaded 10,000 storm) → 1,080 in flight, ~12 s of wait;
    // 34 a second (a starved one) → 408, not the old floor of 1,000; none yet → the floor.
    const d = {
      ...DEFAULT_UPLINK_CREDIT,
      minInFlight: DEFAULT_UPLINK_CREDIT.minInFlight ?? 0,
      targetAckMs: DEFAULT_UPLINK_CREDIT.targetAckMs ?? 0,
    };
    expect([creditLimit(90, d), creditLimit(34, d), creditLimit(0, d), creditLimit(1000, d)]).toEqual([1080, 408, 250, 4000]);
  });

  it('with targetAckMs, admits at the floor before any ack, widens as acks come fast, narrows again when they slow', () => {
    let now = 0;
    const credit = new UplinkCredit({ maxInFlight: 100, minInFlight: 4, targetAckMs: 2000 }, () => now);
    expect(credit.limit()).toBe(4);
    for (let i = 0; i < 4; i++) credit.received();
    expect(credit.hasRoom()).toBe(false);
    // 20 acks within the first second: 20 a second × 2 s = 40.
    for (let i = 0; i < 20; i++) credit.received();
    for (let i = 0; i < 20; i++) credit.acked();
    now += 500;
    expect(credit.ackRate()).toBe(20);
    expect([credit.limit(), credit.hasRoom()]).toEqual([40, true]);
    // No ack for a whole window: back to the floor, though 4 uplinks still wait.
    now += RATE_WINDOW_MS;
    expect([credit.ackRate(), credit.limit(), credit.inFlight(), credit.hasRoom()]).toEqual([0, 4, 4, false]);
  });

  it('ackRate matches a model: the acks of the buckets of the last window over the time since the first ack, 1 s to the window', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let now = 0;
        const credit = new UplinkCredit({ maxInFlight: 1000, minInFlight: 1, targetAckMs: 1000, forgetAfterMs: 3200 }, () => now);
        const acks: number[] = [];
        for (const o of ops) {
          if (o.kind === 'received') credit.received();
          else if (o.kind === 'acked') {
            credit.acked();
            acks.push(now);
          } else now += o.ms;
          const first = acks[0];
          const inWindow = acks.filter((t) => now - (t - (t % 1000)) < RATE_WINDOW_MS).length;
          const want = first === undefined ? 0 : (inWindow * 1000) / Math.min(RATE_WINDOW_MS, Math.max(1000, now - first));
          expect(credit.ackRate()).toBeCloseTo(want, 9);
          expect(credit.limit()).toBe(creditLimit(want, { minInFlight: 1, maxInFlight: 1000, targetAckMs: 1000 }));
        }
      }),
    );
  });
});
