import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime, Lane, Uuid } from './common.js';
import { Observation } from './observation.js';

export const PROTOCOL_VERSION = 1;
export const MAX_BATCH_OBSERVATIONS = 2000;

/** Gateway → cloud on telecart/v1/gw/{id}/up/{lane}. */
export const ObservationBatch = Type.Object(
  {
    v: Type.Literal(PROTOCOL_VERSION),
    batchId: Uuid,
    gatewayId: GatewayId,
    lane: Lane,
    sentAt: IsoDateTime,
    observations: Type.Array(Observation, { minItems: 1, maxItems: MAX_BATCH_OBSERVATIONS }),
  },
  { additionalProperties: false, $id: 'ObservationBatch' },
);
export type ObservationBatch = Static<typeof ObservationBatch>;

/** Inclusive [first, last] runs of sequence numbers: compact on a 100 kbit/s link. */
export const SeqRanges = Type.Array(Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })]), {
  maxItems: MAX_BATCH_OBSERVATIONS,
});
export type SeqRanges = Static<typeof SeqRanges>;

/**
 * Cloud → gateway on telecart/v1/gw/{id}/ack, sent only after the cloud store committed.
 * `stored` = durably stored now or already before (idempotent redelivery): the gateway may drop them.
 * `rejected` = invalid readings: the gateway quarantines them, they are never retried silently.
 */
export const BatchAck = Type.Object(
  {
    v: Type.Literal(PROTOCOL_VERSION),
    batchId: Uuid,
    gatewayId: GatewayId,
    stored: SeqRanges,
    duplicates: Type.Integer({ minimum: 0, description: 'how many of `stored` were already in the cloud' }),
    rejected: Type.Array(
      Type.Object({ seq: Type.Integer({ minimum: 1 }), reason: Type.String({ maxLength: 300 }) }, { additionalProperties: false }),
      { maxItems: MAX_BATCH_OBSERVATIONS },
    ),
    storedAt: IsoDateTime,
  },
  { additionalProperties: false, $id: 'BatchAck' },
);
export type BatchAck = Static<typeof BatchAck>;
