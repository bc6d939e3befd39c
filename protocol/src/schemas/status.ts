import { type Static, Type } from '@sinclair/typebox';
import { GatewayId, IsoDateTime } from './common.js';

/** Retained on telecart/v1/gw/{id}/status; the broker publishes `online: false` as the last will. */
export const GatewayStatus = Type.Object(
  {
    v: Type.Literal(1),
    gatewayId: GatewayId,
    online: Type.Boolean(),
    at: IsoDateTime,
    version: Type.Optional(Type.String({ maxLength: 32 })),
    backlog: Type.Optional(
      Type.Object(
        {
          readings: Type.Integer({ minimum: 0 }),
          bytes: Type.Integer({ minimum: 0 }),
          oldestUnsyncedAt: Type.Union([IsoDateTime, Type.Null()]),
          held: Type.Integer({ minimum: 0, description: 'readings waiting for a patient' }),
          /** The store's fill level: 'near-full' refuses new waveforms, 'full' refuses every reading (nothing is ever deleted). */
          capacity: Type.Optional(
            Type.Object(
              {
                level: Type.Union([Type.Literal('ok'), Type.Literal('near-full'), Type.Literal('full')]),
                usedBytes: Type.Integer({ minimum: 0 }),
                maxBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null when unlimited' }),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    devices: Type.Optional(
      Type.Array(
        Type.Object(
          { id: Type.String({ maxLength: 128 }), name: Type.String({ maxLength: 128 }), state: Type.String({ maxLength: 32 }) },
          { additionalProperties: false },
        ),
        { maxItems: 64 },
      ),
    ),
  },
  { additionalProperties: false, $id: 'GatewayStatus' },
);
export type GatewayStatus = Static<typeof GatewayStatus>;
