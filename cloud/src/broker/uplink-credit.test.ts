import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UplinkCredit } from './uplink-credit.js';

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
  });
});
