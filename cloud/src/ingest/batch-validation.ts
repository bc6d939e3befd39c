/**
 * Turns an uplink payload into a batch of valid readings plus per-reading rejections.
 *
 * Choice: the envelope (version, batch id, gateway, lane, sentAt, a non-empty array) is
 * validated first and a bad envelope drops the whole message. Readings are then validated
 * one by one, so a single malformed reading in a good batch is rejected alone, by its seq,
 * and its neighbours are stored and acked. A reading whose seq itself is unusable cannot be
 * named in the ack: it is counted and logged only (the gateway will resend it and see no ack).
 */
import { Type } from '@sinclair/typebox';
import {
  compile,
  decodeWith,
  formatIssues,
  type Lane,
  MAX_BATCH_OBSERVATIONS,
  Observation,
  ObservationBatch,
  payloadText,
  validators,
} from '@telecart/protocol';
import type { RejectedReading } from '../store/cloud-store.js';

/** Why a whole message was dropped (the keys of the malformed counters). */
export type MalformedReason = 'oversize' | 'not-json' | 'schema' | 'topic-mismatch' | 'unknown-topic';

const envelope = compile(
  Type.Object(
    {
      ...ObservationBatch.properties,
      observations: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_BATCH_OBSERVATIONS }),
    },
    { additionalProperties: false },
  ),
);
const observation = compile(Observation);

export type CheckedBatch =
  | { ok: true; batch: ObservationBatch; rejected: RejectedReading[]; unaddressable: string[] }
  | { ok: false; reason: MalformedReason; error: string };

function seqOf(raw: unknown): number | null {
  if (raw === null || typeof raw !== 'object') return null;
  const seq = (raw as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
}

export function checkUplink(bytes: Uint8Array, topic: { gatewayId: string; lane: Lane }, maxBytes: number): CheckedBatch {
  if (bytes.byteLength > maxBytes)
    return { ok: false, reason: 'oversize', error: `payload of ${bytes.byteLength} bytes exceeds ${maxBytes}` };

  let batch: ObservationBatch;
  const rejected: RejectedReading[] = [];
  const unaddressable: string[] = [];
  // Fast path: the whole batch in one compiled check (decodeBatch, keeping the text).
  const text = payloadText(bytes);
  let whole: unknown;
  if (text.ok) {
    try {
      whole = JSON.parse(text.value);
    } catch {
      whole = undefined;
    }
  }
  if (text.ok && whole !== undefined && validators.batch.check(whole)) {
    // The store writes JSON.stringify of this very object, never the received text: duplicate or
    // escaped keys can make the text say something other than what was validated.
    batch = whole;
  } else {
    // Slow path: something is wrong somewhere; find out whether it is the envelope or some readings.
    const env = decodeWith(envelope, bytes);
    if (!env.ok) return { ok: false, reason: env.error.startsWith('not JSON') ? 'not-json' : 'schema', error: env.error };
    const good: Observation[] = [];
    env.value.observations.forEach((raw, i) => {
      const r = observation.validate(raw);
      if (r.ok) {
        good.push(r.value);
        return;
      }
      const reason = `invalid reading: ${formatIssues(r.issues)}`.slice(0, 300);
      const seq = seqOf(raw);
      if (seq === null) unaddressable.push(`/observations/${i}: ${reason}`);
      else rejected.push({ seq, reason });
    });
    batch = { ...env.value, observations: good };
  }

  if (batch.gatewayId !== topic.gatewayId || batch.lane !== topic.lane) {
    return {
      ok: false,
      reason: 'topic-mismatch',
      error: `payload says gateway ${batch.gatewayId} lane ${batch.lane}, topic says gateway ${topic.gatewayId} lane ${topic.lane}`,
    };
  }
  // Sequence numbers are per gateway: a reading of another gateway cannot be stored under this one.
  const own = batch.observations.filter((o) => {
    if (o.gatewayId === batch.gatewayId) return true;
    rejected.push({ seq: o.seq, reason: `reading belongs to gateway ${o.gatewayId}, batch to ${batch.gatewayId}` });
    return false;
  });
  return { ok: true, batch: { ...batch, observations: own }, rejected, unaddressable };
}
