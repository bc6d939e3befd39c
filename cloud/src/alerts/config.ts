/**
 * Telemonitoring enrollment (`patients[].telemonitoring`) and the engine's own section
 * (`telemonitoring`), as TypeBox schemas for the config loader, plus the defaults of each
 * programme's rules and their resolution per patient. Defaults and their sources:
 * docs/telemonitoring-alerts.md.
 */
import { CloneType, type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { parseCalendarInstant } from '@telecart/protocol';

export const PROGRAMMES = ['heart-failure', 'hypertension', 'copd', 'diabetes'] as const;
export type Programme = (typeof PROGRAMMES)[number];

const enabled = Type.Optional(Type.Boolean({ description: 'false turns the rule off' }));
const rule = <P extends TProperties>(description: string, props: P): TObject<P & { enabled: typeof enabled }> =>
  Type.Object({ enabled, ...props }, { additionalProperties: false, description });
/** A mandatory rule: `enabled` may only say true, so `config check` refuses a file that turns it off. */
const mandatoryRule = <P extends TProperties>(description: string, props: P) =>
  Type.Object(
    {
      enabled: Type.Optional(
        Type.Literal(true, { description: 'mandatory non-transmission alert (arrêté of 22 June 2023): cannot be turned off' }),
      ),
      ...props,
    },
    { additionalProperties: false, description },
  );
const days = (description: string) => Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 30, description }));

/** Per-rule overrides, keyed by rule id; a key must belong to the patient's programme. */
export const RuleOverrides = Type.Object(
  {
    'hf-weight-gain-3d': Type.Optional(
      rule('weight gain vs the lowest weight of the previous 3 days', {
        kg: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 20, description: 'default 2.0' })),
      }),
    ),
    'hf-weight-gain-1d': Type.Optional(
      rule("weight gain vs the previous day's weight", {
        kg: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 20, description: 'default 1.0' })),
      }),
    ),
    'hf-no-weight': Type.Optional(mandatoryRule('no weight received (mandatory)', { days: days('default 2') })),
    'bp-severe': Type.Optional(
      rule('one reading at or above a severe level', {
        systolic: Type.Optional(Type.Number({ minimum: 100, maximum: 300, description: 'mmHg, default 180' })),
        diastolic: Type.Optional(Type.Number({ minimum: 50, maximum: 200, description: 'mmHg, default 110' })),
      }),
    ),
    'bp-above-target': Type.Optional(
      rule('mean of the recent readings at or above the home target', {
        systolic: Type.Optional(Type.Number({ minimum: 80, maximum: 250, description: 'mmHg, default 135' })),
        diastolic: Type.Optional(Type.Number({ minimum: 40, maximum: 150, description: 'mmHg, default 85' })),
        days: days('averaging window, default 3'),
        minReadings: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'readings needed in the window, default 6' })),
      }),
    ),
    'bp-no-reading': Type.Optional(rule('no blood pressure received (off by default)', { days: days('default 7') })),
    'spo2-low': Type.Optional(
      rule('SpO2 below a threshold', {
        percent: Type.Optional(Type.Number({ minimum: 50, maximum: 100, description: 'default 88' })),
      }),
    ),
    'spo2-drop': Type.Optional(
      rule("SpO2 drop from the patient's baseline (median of the previous days)", {
        points: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 50, description: 'default 4' })),
        baselineDays: days('default 7'),
        minBaselineReadings: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 3' })),
      }),
    ),
    'copd-no-spo2': Type.Optional(rule('no SpO2 received', { days: days('default 2') })),
    'glucose-severe-hypo': Type.Optional(
      rule('severe hypoglycaemia (threshold set by the physician)', {
        mgdl: Type.Optional(Type.Number({ minimum: 20, maximum: 100, description: 'mg/dL, default 54' })),
      }),
    ),
    'glucose-hypo': Type.Optional(
      rule('hypoglycaemia', { mgdl: Type.Optional(Type.Number({ minimum: 20, maximum: 150, description: 'mg/dL, default 70' })) }),
    ),
    'glucose-hyper': Type.Optional(
      rule('hyperglycaemia', { mgdl: Type.Optional(Type.Number({ minimum: 120, maximum: 600, description: 'mg/dL, default 250' })) }),
    ),
    'diabetes-no-glucose': Type.Optional(mandatoryRule('no glucose received (mandatory)', { days: days('default 7') })),
  },
  { additionalProperties: false },
);
export type RuleOverrides = Static<typeof RuleOverrides>;
export type RuleId = keyof RuleOverrides;

export const TelemonitoringEnrollment = Type.Object(
  {
    programme: Type.Union(
      PROGRAMMES.map((p) => Type.Literal(p)),
      { description: 'heart-failure, hypertension, copd or diabetes' },
    ),
    since: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
        description: 'start of the follow-up (YYYY-MM-DD or date-time): non-transmission counts from here at the earliest',
      }),
    ),
    thresholds: Type.Optional(CloneType(RuleOverrides, { description: 'per-rule overrides of the programme defaults, keyed by rule id' })),
  },
  { additionalProperties: false, description: 'enrolls the patient in a telemonitoring programme: the cloud raises its alerts' },
);
export type TelemonitoringEnrollment = Static<typeof TelemonitoringEnrollment>;

export const TelemonitoringConfig = Type.Object(
  {
    checkEveryMinutes: Type.Number({
      minimum: 1,
      maximum: 1440,
      default: 15,
      description: 'how often the non-transmission rules are checked (also once at start)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'the alert engine (docs/telemonitoring-alerts.md)' },
);
export type TelemonitoringConfig = Static<typeof TelemonitoringConfig>;

/** Every parameter of every rule, resolved for one patient. */
export interface ResolvedRules {
  'hf-weight-gain-3d': { enabled: boolean; kg: number };
  'hf-weight-gain-1d': { enabled: boolean; kg: number };
  'hf-no-weight': { enabled: boolean; days: number };
  'bp-severe': { enabled: boolean; systolic: number; diastolic: number };
  'bp-above-target': { enabled: boolean; systolic: number; diastolic: number; days: number; minReadings: number };
  'bp-no-reading': { enabled: boolean; days: number };
  'spo2-low': { enabled: boolean; percent: number };
  'spo2-drop': { enabled: boolean; points: number; baselineDays: number; minBaselineReadings: number };
  'copd-no-spo2': { enabled: boolean; days: number };
  'glucose-severe-hypo': { enabled: boolean; mgdl: number };
  'glucose-hypo': { enabled: boolean; mgdl: number };
  'glucose-hyper': { enabled: boolean; mgdl: number };
  'diabetes-no-glucose': { enabled: boolean; days: number };
}

/** The rules of each programme with their defaults; `mandatory` rules cannot be turned off. */
export const PROGRAMME_RULES: { readonly [P in Programme]: Partial<ResolvedRules> } = {
  'heart-failure': {
    'hf-weight-gain-3d': { enabled: true, kg: 2.0 },
    'hf-weight-gain-1d': { enabled: true, kg: 1.0 },
    'hf-no-weight': { enabled: true, days: 2 },
  },
  hypertension: {
    'bp-severe': { enabled: true, systolic: 180, diastolic: 110 },
    'bp-above-target': { enabled: true, systolic: 135, diastolic: 85, days: 3, minReadings: 6 },
    'bp-no-reading': { enabled: false, days: 7 },
  },
  copd: {
    'spo2-low': { enabled: true, percent: 88 },
    'spo2-drop': { enabled: true, points: 4, baselineDays: 7, minBaselineReadings: 3 },
    'copd-no-spo2': { enabled: true, days: 2 },
  },
  diabetes: {
    'glucose-severe-hypo': { enabled: true, mgdl: 54 },
    'glucose-hypo': { enabled: true, mgdl: 70 },
    'glucose-hyper': { enabled: true, mgdl: 250 },
    'diabetes-no-glucose': { enabled: true, days: 7 },
  },
};

/** Non-transmission alerts the arrêté of 22 June 2023 requires and forbids the operator to disable. */
export const MANDATORY_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['hf-no-weight', 'diabetes-no-glucose']);

export class EnrollmentError extends Error {
  override readonly name = 'EnrollmentError';
  constructor(
    message: string,
    /** Key path below the patient's `telemonitoring` section, and the problem alone: for config issues. */
    readonly path: (string | number)[] = [],
    readonly reason: string = message,
  ) {
    super(message);
  }
}

export interface PatientEnrollment {
  patientId: string;
  programme: Programme;
  /** Epoch ms of `since` (the enrolment's start), if given. */
  sinceMs: number | null;
  /** Epoch ms of the enrolment's end (exclusive); null or absent: open-ended. */
  endMs?: number | null;
  rules: Partial<ResolvedRules>;
}

/** Whether the enrolment's period holds the instant `at` (epoch ms). */
export function enrollmentCovers(e: Pick<PatientEnrollment, 'sinceMs' | 'endMs'>, at: number): boolean {
  return (e.sinceMs === null || e.sinceMs <= at) && (e.endMs == null || at < e.endMs);
}

/** The patient's rules: the programme's defaults with the overrides applied; throws EnrollmentError on a refused override. */
export function resolveEnrollment(patientId: string, e: TelemonitoringEnrollment): PatientEnrollment {
  const defaults = PROGRAMME_RULES[e.programme];
  const rules: Record<string, object> = {};
  for (const [id, d] of Object.entries(defaults)) rules[id] = { ...d };
  for (const [id, override] of Object.entries(e.thresholds ?? {})) {
    if (override === undefined) continue;
    if (!(id in defaults)) {
      const reason = `not a rule of programme ${e.programme} (its rules: ${Object.keys(defaults).join(', ')})`;
      throw new EnrollmentError(`patient ${patientId}: telemonitoring.thresholds.${id} is ${reason}`, ['thresholds', id], reason);
    }
    if (MANDATORY_RULES.has(id as RuleId) && (override as { enabled?: boolean }).enabled === false) {
      const reason =
        `the non-transmission alert of programme ${e.programme} is mandatory ` +
        '(arrêté of 22 June 2023: it cannot be disabled by the operator); adjust its "days" instead';
      throw new EnrollmentError(
        `patient ${patientId}: telemonitoring.thresholds.${id}.enabled: ${reason}`,
        ['thresholds', id, 'enabled'],
        reason,
      );
    }
    rules[id] = { ...rules[id], ...override };
  }
  const r = rules as Partial<ResolvedRules>;
  const hypo = r['glucose-hypo'];
  const severe = r['glucose-severe-hypo'];
  if (hypo && severe && severe.mgdl > hypo.mgdl) {
    const reason = `glucose-severe-hypo.mgdl (${severe.mgdl}) is above glucose-hypo.mgdl (${hypo.mgdl})`;
    throw new EnrollmentError(
      `patient ${patientId}: telemonitoring.thresholds: ${reason}`,
      ['thresholds', 'glucose-severe-hypo', 'mgdl'],
      reason,
    );
  }
  let sinceMs: number | null = null;
  if (e.since !== undefined) {
    // Strict: Date.parse would take 2026-02-30 for 2 March and count non-transmission from there.
    sinceMs = parseCalendarInstant(e.since);
    if (sinceMs === null) {
      const reason = `not a valid date (expected a real YYYY-MM-DD or date-time with offset, got "${e.since}")`;
      throw new EnrollmentError(`patient ${patientId}: telemonitoring.since is ${reason}`, ['since'], reason);
    }
  }
  return { patientId, programme: e.programme, sinceMs, rules: r };
}

/** The enrollments of the configured patients; throws EnrollmentError naming the first refused one. */
export function enrollmentsOf(
  patients: readonly { id: string; telemonitoring?: TelemonitoringEnrollment }[],
): Map<string, PatientEnrollment> {
  const out = new Map<string, PatientEnrollment>();
  for (const p of patients) if (p.telemonitoring) out.set(p.id, resolveEnrollment(p.id, p.telemonitoring));
  return out;
}
