import { type Static, Type } from '@sinclair/typebox';

/** Priority lanes (contract 3, docs/architecture.md): alarms first, then spot readings, then waveforms. */
export const LANES = ['alarm', 'spot', 'waveform'] as const;
export const Lane = Type.Union(
  LANES.map((l) => Type.Literal(l)),
  { $id: 'Lane' },
);
export type Lane = Static<typeof Lane>;

export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'lower-case UUID',
});
export const IsoDateTime = Type.String({
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'RFC 3339 date-time with offset',
});
export const GatewayId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
