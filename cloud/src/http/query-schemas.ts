/** TypeBox schemas for query strings and path parameters; fastify validates them and answers 400. */
import { Type } from '@sinclair/typebox';
import { MAX_PAGE_SIZE } from '../store/cloud-store.js';

export const LoincCode = Type.String({ pattern: '^\\d{1,7}-\\d$', description: 'LOINC code, e.g. 8867-4' });

/** A date (whole day, UTC) or an RFC 3339 date-time with offset. */
export const DateOrDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  description: 'YYYY-MM-DD or an RFC 3339 date-time with offset',
});

export const PatientIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const ObservationListQuery = Type.Object(
  {
    code: Type.Optional(LoincCode),
    from: Type.Optional(DateOrDateTime),
    to: Type.Optional(DateOrDateTime),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

export const FhirObservationSearch = Type.Object(
  {
    patient: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    date: Type.Optional(Type.Array(Type.String({ minLength: 4, maxLength: 64 }), { maxItems: 4 })),
    _count: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE_SIZE })),
    _offset: Type.Optional(Type.Integer({ minimum: 0 })),
    _format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('application/fhir+json'), Type.Literal('application/json')])),
  },
  { additionalProperties: false },
);

export const FhirIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9.-]+$' }) });

export const EventsQuery = Type.Object(
  { patient: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);

export const DashboardQuery = Type.Object(
  { lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr' }) },
  { additionalProperties: false },
);

/** A date alone means the whole UTC day: its start as a lower bound, its end as an upper bound. */
export function boundOf(value: string, edge: 'start' | 'end'): Date {
  if (value.length === 10) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return new Date(edge === 'start' ? start : start + 86_400_000 - 1);
  }
  return new Date(value);
}

/** `from`/`to` of a list query as bounds, or the 400 message naming the bad parameter. */
export function rangeOf(q: { from?: string; to?: string }): { ok: true; from?: Date; to?: Date } | { ok: false; message: string } {
  const from = q.from === undefined ? undefined : boundOf(q.from, 'start');
  const to = q.to === undefined ? undefined : boundOf(q.to, 'end');
  if (from && Number.isNaN(from.getTime())) return { ok: false, message: 'querystring/from is not a valid date' };
  if (to && Number.isNaN(to.getTime())) return { ok: false, message: 'querystring/to is not a valid date' };
  if (from && to && from > to) return { ok: false, message: 'querystring/from is after querystring/to' };
  return { ok: true, ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
