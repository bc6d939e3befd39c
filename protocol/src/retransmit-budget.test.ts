import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRANSMIT, MIN_BURST_BITS, type NackInput, RetransmitBudget } from './retransmit-budget.js';

const packet = fc.record({ seq: fc.integer({ min: 0, max: 40 }), bytes: fc.integer({ min: 0, max: 1_300 }) });
/** NACKs a few ms to a second apart, over less than the time a packet is remembered. */
const nacks = fc.array(
  fc.record({
    gap: fc.integer({ min: 0, max: 1_000 }),
    slot: fc.constantFrom('1', '3'),
    held: fc.boolean(),
    packets: fc.uniqueArray(packet, { maxLength: 12, selector: (p) => p.seq }),
  }),
  { minLength: 1, maxLength: 9 },
);
const estimate = fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined });

function run(
  budget: RetransmitBudget,
  steps: { gap: number; slot: string; held: boolean; packets: NackInput['packets'] }[],
  e: number | undefined,
): { input: NackInput; out: number[] }[] {
  let now = 1_000;
  return steps.map((s) => {
    now += s.gap;
    const input = { now, slot: s.slot, held: s.held, estimate: e, packets: s.packets };
    return { input, out: budget.answer(input) };
  });
}

describe('RetransmitBudget', () => {
  it('sends nothing again into a held-back slot, and only packets asked for', () => {
    fc.assert(
      fc.property(nacks, estimate, (steps, e) => {
        for (const { input, out } of run(new RetransmitBudget(), steps, e)) {
          if (input.held) expect(out).toEqual([]);
          for (const seq of out) expect(input.packets.map((p) => p.seq)).toContain(seq);
        }
      }),
    );
  });

  it('sends a packet again at most twice, never twice within 250 ms', () => {
    fc.assert(
      fc.property(nacks, estimate, (steps, e) => {
        const last = new Map<string, number[]>();
        for (const { input, out } of run(new RetransmitBudget(), steps, e)) {
          for (const seq of new Set(out)) {
            const key = `${input.slot}:${seq}`;
            const times = [...(last.get(key) ?? []), input.now];
            last.set(key, times);
            expect(times.length).toBeLessThanOrEqual(DEFAULT_RETRANSMIT.maxTimes);
            if (times.length > 1) expect(input.now - (times.at(-2) ?? 0)).toBeGreaterThanOrEqual(DEFAULT_RETRANSMIT.repeatAfterMs);
          }
        }
      }),
    );
  });

  it('with an estimate, takes at most its share of it over any run (plus one burst)', () => {
    fc.assert(
      fc.property(nacks, fc.integer({ min: 0, max: 5_000_000 }), (steps, e) => {
        const results = run(new RetransmitBudget(), steps, e);
        const first = results[0]?.input.now ?? 0;
        let bits = 0;
        for (const { input, out } of results) {
          for (const seq of out) bits += (input.packets.find((p) => p.seq === seq)?.bytes ?? 0) * 8;
          const rate = DEFAULT_RETRANSMIT.share * e;
          const burst = Math.max(MIN_BURST_BITS, (rate * DEFAULT_RETRANSMIT.burstMs) / 1000);
          expect(bits).toBeLessThanOrEqual(burst + (rate * (input.now - first)) / 1000 + 1e-6);
        }
      }),
    );
  });

  it('without an estimate, sends every packet asked for the first time (the link never lost over 10 %)', () => {
    fc.assert(
      fc.property(nacks, (steps) => {
        const asked = new Set<string>();
        for (const { input, out } of run(new RetransmitBudget(), steps, undefined)) {
          if (input.held) continue;
          const fresh = [...new Set(input.packets.map((p) => p.seq))].filter((seq) => !asked.has(`${input.slot}:${seq}`));
          for (const seq of fresh) expect(out).toContain(seq);
          for (const seq of out) asked.add(`${input.slot}:${seq}`);
        }
      }),
    );
  });

  it('on a 50 kbit/s estimate sends one 690-byte packet a second or so, not a storm', () => {
    const b = new RetransmitBudget();
    const ask = (now: number, from: number) =>
      b.answer({
        now,
        slot: '3',
        held: false,
        estimate: 50_000,
        packets: Array.from({ length: 20 }, (_, k) => ({ seq: from + k, bytes: 690 })),
      });
    // 5 kbit/s saved up: the first packet fits in the one-packet floor, the rest wait.
    expect(ask(0, 0)).toHaveLength(1);
    expect(ask(100, 20)).toHaveLength(0);
    expect(ask(1_200, 40)).toHaveLength(1);
  });
});
