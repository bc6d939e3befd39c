import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CBOR_MAGIC,
  DEFLATE_MAGIC,
  decodeAck,
  decodeBatch,
  decodeStatus,
  encodeBatchPayload,
  encodeJsonText,
  encodePayload,
  MAX_PAYLOAD_BYTES,
  payloadFormat,
} from './codec.js';
import type { Observation } from './schemas/observation.js';
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

  it('carries what a device meant: entered-in-error, a value comparator; nothing else', () => {
    const meant = structuredClone(batch);
    const [a, b] = meant.observations as [Observation, Observation];
    a.status = 'entered-in-error';
    b.value = { value: 600, unit: 'mg/dL', comparator: '>' };
    expect(decodeBatch(encodePayload(meant)).ok).toBe(true);
    const bad = structuredClone(meant);
    (bad.observations[1] as { value: { comparator: string } }).value.comparator = '~';
    const r = decodeBatch(encodePayload(bad));
    expect(!r.ok && r.error).toMatch(/\/observations\/1\/value\/comparator/);
    (bad.observations[0] as { status: string }).status = 'amended';
    expect(decodeBatch(encodePayload(bad)).ok).toBe(false);
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

describe('batch wire format (JSON + deflate, told apart by the first byte)', () => {
  const big = { ...batch, observations: Array.from({ length: 50 }, (_, i) => sampleObservation(i + 1)) };

  it('compresses a batch, marks it, and decodes it to the same value', () => {
    const packed = encodeBatchPayload(big);
    expect(packed[0]).toBe(DEFLATE_MAGIC);
    expect(payloadFormat(packed)).toBe('json+deflate');
    expect(packed.byteLength * 5).toBeLessThan(encodePayload(big).byteLength);
    const r = decodeBatch(packed);
    expect(r).toEqual({ ok: true, value: big });
  });

  it('keeps plain JSON decodable (older gateways, statuses, acks)', () => {
    const plain = encodePayload(big);
    expect(payloadFormat(plain)).toBe('json');
    expect(decodeBatch(plain)).toEqual({ ok: true, value: big });
    expect(decodeBatch(encodeBatchPayload(big, 'json'))).toEqual({ ok: true, value: big });
  });

  it('sends JSON as is when deflate would not make it smaller', () => {
    const tiny = encodeJsonText('{}');
    expect(tiny.toString()).toBe('{}');
    expect(payloadFormat(tiny)).toBe('json');
  });

  it('refuses a corrupt stream, a zip bomb, CBOR and unknown bytes with a reason, never throwing', () => {
    const packed = encodeBatchPayload(big);
    const corrupt = Buffer.from(packed);
    corrupt.fill(0xff, 5, 40);
    expect(decodeBatch(corrupt)).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON: bad deflate payload/) });
    const bomb = Buffer.concat([Buffer.from([DEFLATE_MAGIC]), deflateRawSync(Buffer.alloc(MAX_PAYLOAD_BYTES + 10, 0x20))]);
    expect(bomb.byteLength).toBeLessThan(10_000);
    expect(decodeBatch(bomb)).toMatchObject({ ok: false, error: expect.stringMatching(/inflates past/) });
    expect(decodeStatus(Buffer.from([CBOR_MAGIC, 0xa0]))).toMatchObject({ ok: false, error: expect.stringMatching(/CBOR/) });
    expect(decodeBatch(Buffer.from([DEFLATE_MAGIC]))).toMatchObject({ ok: false });
    expect(payloadFormat(Buffer.from([0x99]))).toBeNull();
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
