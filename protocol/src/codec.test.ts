import { describe, expect, it } from 'vitest';
import { decodeAck, decodeBatch, encodePayload } from './codec.js';
import { expandSeqRanges, seqRangesCount, toSeqRanges } from './seq-ranges.js';
import { sampleObservation } from './testing/sample.js';

const batch = {
  v: 1,
  batchId: '0190a0b0-0000-7000-8000-000000000001',
  gatewayId: 'cart-1',
  lane: 'spot',
  sentAt: '2026-11-23T10:00:00.000Z',
  observations: [sampleObservation(1), sampleObservation(2)],
};

describe('payload codec', () => {
  it('round-trips a valid batch', () => {
    const r = decodeBatch(encodePayload(batch));
    expect(r.ok).toBe(true);
  });

  it('names the offending field of an invalid batch', () => {
    const bad = structuredClone(batch);
    (bad.observations[1] as { seq: unknown }).seq = -3;
    const r = decodeBatch(encodePayload(bad));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/\/observations\/1\/seq/);
  });

  it('rejects garbage, unknown fields and oversize payloads with a reason', () => {
    const garbage = decodeBatch(Buffer.from([0xff, 0x00, 0x7b]));
    expect(garbage).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    const extra = decodeBatch(encodePayload({ ...batch, sneaky: true }));
    expect(extra.ok).toBe(false);
    const huge = decodeBatch(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(huge).toMatchObject({ ok: false, error: expect.stringMatching(/exceeds/) });
    const badTime = decodeAck(
      encodePayload({ v: 1, batchId: batch.batchId, gatewayId: 'cart-1', stored: [], duplicates: 0, rejected: [], storedAt: 'yesterday' }),
    );
    expect(badTime.ok).toBe(false);
  });
});

describe('sequence ranges', () => {
  it('compresses and expands', () => {
    const r = toSeqRanges([5, 1, 2, 3, 9, 10, 3]);
    expect(r).toEqual([
      [1, 3],
      [5, 5],
      [9, 10],
    ]);
    expect([...expandSeqRanges(r)]).toEqual([1, 2, 3, 5, 9, 10]);
    expect(seqRangesCount(r)).toBe(6);
  });
});
