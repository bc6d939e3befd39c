/**
 * telecart Observation / ObservationDraft → FHIR R4 vital-signs Observation.
 *
 * Decisions:
 * - code: LOINC coding first (plus 59408-5 for SpO2, as the oxygensat profile expects), then the MDC
 *   coding (urn:iso:std:iso:11073:10101) when the code has one; text = display.
 * - Units: valueQuantity with system http://unitsofmeasure.org, code = UCUM, unit = human form.
 *   A converted value (kPa → mm[Hg], m → cm) keeps what the device sent in an extension on the Quantity
 *   (TELECART.originalQuantityExtension).
 * - Flags (device conditions, gateway checks) are not v3 interpretation codes, so they go into one
 *   extension per flag (machine-readable, TELECART.flagExtension) and one human note; 'body-site:<site>'
 *   also fills bodySite.text. Status bits that change what a value means change the Observation itself
 *   (mappings/status-meaning.ts, docs/devices.md): status 'entered-in-error' / 'preliminary', a Quantity
 *   comparator ('>' for a glucose meter's HI), interpretation H / L on a pulse the cuff found out of range.
 * - A BP panel missing systolic or diastolic (device sent NaN) gets that component with a
 *   dataAbsentReason, as the bp profile requires both; an observation with neither value nor component
 *   gets dataAbsentReason 'unknown'.
 * - meta.profile is set only when subject and effectiveDateTime are present (the profiles require them).
 * - The device time as sent (local, no offset: not a FHIR dateTime) goes into TELECART.deviceTimeExtension.
 * - A waveform segment (sampledData) becomes valueSampledData (origin as a UCUM Quantity, period in ms,
 *   factor, limits, dimensions, data), category 'procedure'. A recording carried as an attachment
 *   (stethoscope FLAC) cannot be an R4 value (valueAttachment is R5): the Observation points to a
 *   Media resource with derivedFrom (R4 allows Reference(Media) there; hasMember does not), its method
 *   is auscultation, category 'exam'; see toFhirMedia. Neither gets a dataAbsentReason.
 * - Segments of one recording carry TELECART.recordingSegmentSystem identifiers '<recordingId>/<index>'.
 */
import type { Code, DeviceRef, Observation, ObservationStatus, PatientRef, Quantity, SampledData } from '@telecart/protocol';
import { meaningOf } from '../mappings/status-meaning.js';
import { isLoincPlaceholder, UNIT_DISPLAY, VITALS } from '../model/codes.js';
import { formatDeviceDateTime, type ObservationDraft } from '../model/draft.js';
import { CATEGORY_BY_LOINC, EXTRA_LOINC, SYSTEM, TELECART, VITAL_PROFILES, VITALSIGNS_PROFILE } from './systems.js';
import type {
  CodeableConcept,
  Coding,
  Extension,
  FhirDevice,
  FhirObservation,
  Quantity as FhirQuantity,
  SampledData as FhirSampledData,
  Identifier,
  ObservationComponent,
  Reference,
} from './types.js';

/** A FHIR id ([A-Za-z0-9.-]{1,64}) from any local id: other characters become '-' ('ble:AA:BB' → 'ble-AA-BB'). */
export function toFhirId(localId: string): string {
  const id = localId.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64);
  return id.length > 0 ? id : '-';
}

function trimBase(baseUrl: string | undefined): string | undefined {
  return baseUrl?.replace(/\/+$/, '');
}

/** SNOMED CT 37931006 Auscultation (procedure), as in the vital-signs IG's measurement-method value set. */
export const AUSCULTATION_METHOD: CodeableConcept = {
  coding: [{ system: SYSTEM.snomed, code: '37931006', display: 'Auscultation (procedure)' }],
  text: 'Auscultation',
};

function referenceTo(type: 'Patient' | 'Device' | 'Media', localId: string, baseUrl: string | undefined): string {
  const rel = `${type}/${toFhirId(localId)}`;
  const base = trimBase(baseUrl);
  return base ? `${base}/${rel}` : rel;
}

export function toCodeableConcept(code: Code): CodeableConcept {
  // A LOINC field that only fills the wire schema (the pleth's) is not exported: MDC names the signal.
  const coding: Coding[] = isLoincPlaceholder(code) ? [] : [{ system: SYSTEM.loinc, code: code.loinc, display: code.display }];
  const extra = EXTRA_LOINC[code.loinc];
  if (extra) coding.push({ system: SYSTEM.loinc, code: extra.code, display: extra.display });
  if (code.mdc !== undefined) coding.push({ system: SYSTEM.mdc, code: String(code.mdc), display: code.display });
  return { coding, text: code.display };
}

export function toFhirQuantity(q: Quantity): FhirQuantity {
  const out: FhirQuantity = {
    value: q.value,
    ...(q.comparator ? { comparator: q.comparator } : {}),
    unit: UNIT_DISPLAY[q.unit] ?? q.unit,
    system: SYSTEM.ucum,
    code: q.unit,
  };
  if (q.original) {
    out.extension = [
      {
        url: TELECART.originalQuantityExtension,
        valueQuantity: {
          value: q.original.value,
          unit: UNIT_DISPLAY[q.original.unit] ?? q.original.unit,
          system: SYSTEM.ucum,
          code: q.original.unit,
        },
      },
    ];
  }
  return out;
}

/** A telecart waveform segment as R4 SampledData (digital values kept, scaled by origin and factor). */
export function toFhirSampledData(sd: SampledData): FhirSampledData {
  return {
    origin: { value: sd.origin.value, unit: UNIT_DISPLAY[sd.origin.unit] ?? sd.origin.unit, system: SYSTEM.ucum, code: sd.origin.unit },
    period: sd.periodMs,
    ...(sd.factor !== undefined ? { factor: sd.factor } : {}),
    ...(sd.lowerLimit !== undefined ? { lowerLimit: sd.lowerLimit } : {}),
    ...(sd.upperLimit !== undefined ? { upperLimit: sd.upperLimit } : {}),
    dimensions: sd.dimensions,
    data: sd.data,
  };
}

function absent(code: 'unknown' | 'error'): CodeableConcept {
  return { coding: [{ system: SYSTEM.dataAbsentReason, code, display: code === 'unknown' ? 'Unknown' : 'Error' }] };
}

function components(core: ObservationCore): ObservationComponent[] | undefined {
  const list: ObservationComponent[] = (core.components ?? []).map((c) => ({
    code: toCodeableConcept(c.code),
    valueQuantity: toFhirQuantity(c.value),
  }));
  if (core.code.loinc === VITALS.bloodPressurePanel.loinc) {
    const has = (loinc: string) => core.components?.some((c) => c.code.loinc === loinc) ?? false;
    if (!has(VITALS.systolic.loinc)) list.unshift({ code: toCodeableConcept(VITALS.systolic), dataAbsentReason: absent('error') });
    if (!has(VITALS.diastolic.loinc)) list.splice(1, 0, { code: toCodeableConcept(VITALS.diastolic), dataAbsentReason: absent('error') });
  }
  return list.length > 0 ? list : undefined;
}

/** What an Observation and a draft have in common. */
interface ObservationCore {
  code: Code;
  value?: Quantity;
  components?: ObservationDraft['components'];
  status: ObservationStatus;
  flags: string[];
  /** Device time as sent, 'YYYY-MM-DDThh:mm:ss' (no offset). */
  deviceTime?: string | null;
  sampledData?: SampledData;
  /** The reading is a recording exported as a Media resource. */
  hasMedia?: boolean;
}

const INTERPRETATION = {
  H: { system: SYSTEM.interpretation, code: 'H', display: 'High' },
  L: { system: SYSTEM.interpretation, code: 'L', display: 'Low' },
} as const;

/**
 * v3 interpretation from the status bits that carry one (mappings/status-meaning.ts): the BP cuff's
 * pulse-rate range bits say H / L about the pulse, so only the pulse observation gets it.
 */
export function interpretationOf(core: Pick<ObservationCore, 'code' | 'flags'>): CodeableConcept[] | undefined {
  if (core.code.loinc !== VITALS.pulseRateNonInvasive.loinc) return undefined;
  const meanings = new Set(core.flags.map(meaningOf));
  const high = meanings.has('interpretation-high');
  const low = meanings.has('interpretation-low');
  if (high === low) return undefined;
  const c = high ? INTERPRETATION.H : INTERPRETATION.L;
  return [{ coding: [c], text: c.display }];
}

interface Context {
  id?: string;
  contained?: FhirDevice[];
  identifier?: Identifier[];
  subject?: Reference;
  device?: Reference;
  effective?: string;
  issued?: string;
  derivedFrom?: Reference[];
}

function build(core: ObservationCore, ctx: Context): FhirObservation {
  const listed = CATEGORY_BY_LOINC.get(core.code.loinc);
  const vital = listed === 'vital-signs';
  const extension: Extension[] = core.flags.map((f) => ({ url: TELECART.flagExtension, valueString: f }));
  if (core.deviceTime) extension.push({ url: TELECART.deviceTimeExtension, valueString: core.deviceTime });
  const category =
    core.hasMedia || listed === 'exam'
      ? { system: SYSTEM.observationCategory, code: 'exam', display: 'Exam' }
      : core.sampledData
        ? { system: SYSTEM.observationCategory, code: 'procedure', display: 'Procedure' }
        : vital
          ? { system: SYSTEM.observationCategory, code: 'vital-signs', display: 'Vital Signs' }
          : { system: SYSTEM.observationCategory, code: 'laboratory', display: 'Laboratory' };
  const hasResult = core.value !== undefined || core.sampledData !== undefined || core.hasMedia === true;
  const comps = components(core);
  const site = core.flags.find((f) => f.startsWith('body-site:'));
  const interpretation = interpretationOf(core);
  // Conditional spreads keep the conventional FHIR key order and leave absent elements out entirely.
  return {
    resourceType: 'Observation',
    ...(ctx.id ? { id: ctx.id } : {}),
    ...(vital && ctx.subject && ctx.effective ? { meta: { profile: [VITAL_PROFILES[core.code.loinc] ?? VITALSIGNS_PROFILE] } } : {}),
    ...(ctx.contained ? { contained: ctx.contained } : {}),
    ...(extension.length > 0 ? { extension } : {}),
    ...(ctx.identifier && ctx.identifier.length > 0 ? { identifier: ctx.identifier } : {}),
    status: core.status,
    category: [{ coding: [category], text: category.display }],
    code: toCodeableConcept(core.code),
    ...(ctx.subject ? { subject: ctx.subject } : {}),
    ...(ctx.effective ? { effectiveDateTime: ctx.effective } : {}),
    ...(ctx.issued ? { issued: ctx.issued } : {}),
    ...(core.value ? { valueQuantity: toFhirQuantity(core.value) } : {}),
    ...(core.sampledData && !core.value ? { valueSampledData: toFhirSampledData(core.sampledData) } : {}),
    ...(!hasResult && !comps ? { dataAbsentReason: absent('unknown') } : {}),
    ...(interpretation ? { interpretation } : {}),
    ...(core.flags.length > 0 ? { note: [{ text: `telecart flags: ${core.flags.join(', ')}` }] } : {}),
    ...(site ? { bodySite: { text: site.slice('body-site:'.length) } } : {}),
    ...(core.hasMedia ? { method: AUSCULTATION_METHOD } : {}),
    ...(ctx.device ? { device: ctx.device } : {}),
    ...(ctx.derivedFrom && ctx.derivedFrom.length > 0 ? { derivedFrom: ctx.derivedFrom } : {}),
    ...(comps ? { component: comps } : {}),
  };
}

/** Patient reference: Patient/<id>, with the INS as identifier (system urn:oid:<insOid>) when both are known. */
export function patientReference(p: Pick<PatientRef, 'id' | 'ins' | 'insOid'>, baseUrl?: string): Reference {
  const ref: Reference = { reference: referenceTo('Patient', p.id, baseUrl), type: 'Patient' };
  if (p.ins && p.insOid) ref.identifier = { use: 'official', system: `urn:oid:${p.insOid}`, value: p.ins };
  return ref;
}

function deviceDisplay(d: Pick<DeviceRef, 'id' | 'manufacturer' | 'model'>): string {
  const name = [d.manufacturer, d.model].filter((x) => x).join(' ');
  return name ? `${name} (${d.id})` : d.id;
}

/** Device reference: Device/<fhir id of the device id>, with the raw device id as identifier and a display. */
export function deviceReference(d: Pick<DeviceRef, 'id' | 'manufacturer' | 'model'>, baseUrl?: string): Reference {
  return {
    reference: referenceTo('Device', d.id, baseUrl),
    type: 'Device',
    identifier: { system: TELECART.deviceIdSystem, value: d.id },
    display: deviceDisplay(d),
  };
}

/**
 * The device as a contained Device ('#device') and the reference to it: an exported resource names
 * its device completely (manufacturer, model, serial, firmware) without pointing to a Device
 * endpoint the cloud does not serve.
 */
export function containedDevice(d: DeviceRef): { contained: FhirDevice[]; device: Reference } {
  return {
    contained: [{ ...toFhirDevice(d), id: 'device' }],
    device: {
      reference: '#device',
      type: 'Device',
      identifier: { system: TELECART.deviceIdSystem, value: d.id },
      display: deviceDisplay(d),
    },
  };
}

/** '<recordingId>/<index>' under TELECART.recordingSegmentSystem: groups a recording's segments. */
export function recordingSegmentIdentifier(seg: NonNullable<Observation['segment']>): Identifier {
  return { system: TELECART.recordingSegmentSystem, value: `${seg.recordingId}/${seg.index}` };
}

export interface FhirObservationOptions {
  /** When given, references are absolute (<baseUrl>/Patient/<id>); otherwise relative. */
  baseUrl?: string;
}

/** A stored telecart Observation as a FHIR R4 Observation (id = obs.id). */
export function toFhirObservation(obs: Observation, opts: FhirObservationOptions = {}): FhirObservation {
  const identifier: Identifier[] = [{ system: SYSTEM.uri, value: `urn:uuid:${obs.id}` }];
  if (obs.contentKey) identifier.push({ system: TELECART.contentKeySystem, value: obs.contentKey });
  if (obs.segment) identifier.push(recordingSegmentIdentifier(obs.segment));
  const hasMedia = obs.attachment !== undefined;
  return build(
    { ...obs, deviceTime: obs.time.device, hasMedia },
    {
      id: obs.id,
      identifier,
      subject: patientReference(obs.patient, opts.baseUrl),
      ...containedDevice(obs.device),
      effective: obs.time.effective,
      issued: obs.time.received,
      ...(hasMedia
        ? {
            derivedFrom: [
              { reference: referenceTo('Media', obs.id, opts.baseUrl), type: 'Media', display: obs.attachment?.title ?? 'recording' },
            ],
          }
        : {}),
    },
  );
}

export interface DraftFhirContext {
  /** RFC 3339 instant to use as effectiveDateTime (a device time alone has no offset, so it is not used). */
  effective?: string;
  /** RFC 3339 instant to use as issued. */
  issued?: string;
  patient?: Pick<PatientRef, 'id' | 'ins' | 'insOid'>;
  device?: Pick<DeviceRef, 'id' | 'manufacturer' | 'model'>;
  baseUrl?: string;
}

/**
 * A draft (not yet stored: no id, perhaps no patient) as a FHIR R4 Observation, for `telecart decode`.
 * Elements that do not exist yet are omitted, so the JSON stays valid R4 (id, subject, effective are optional there).
 */
export function draftToFhirObservation(draft: ObservationDraft, ctx: DraftFhirContext = {}): FhirObservation {
  const c: Context = {};
  if (ctx.patient) c.subject = patientReference(ctx.patient, ctx.baseUrl);
  if (ctx.device) c.device = deviceReference(ctx.device, ctx.baseUrl);
  if (ctx.effective) c.effective = ctx.effective;
  if (ctx.issued) c.issued = ctx.issued;
  return build({ ...draft, deviceTime: draft.deviceTime ? formatDeviceDateTime(draft.deviceTime) : undefined }, c);
}

/** A device as a FHIR R4 Device (id from the device id, DIS values as names/numbers). */
export function toFhirDevice(d: DeviceRef): FhirDevice {
  const out: FhirDevice = {
    resourceType: 'Device',
    id: toFhirId(d.id),
    identifier: [{ system: TELECART.deviceIdSystem, value: d.id }],
    status: 'active',
  };
  if (d.manufacturer) out.manufacturer = d.manufacturer;
  const names: NonNullable<FhirDevice['deviceName']> = [];
  if (d.manufacturer) names.push({ name: d.manufacturer, type: 'manufacturer-name' });
  if (d.model) names.push({ name: d.model, type: 'model-name' });
  if (names.length > 0) out.deviceName = names;
  if (d.model) out.modelNumber = d.model;
  if (d.serial) out.serialNumber = d.serial;
  if (d.firmware) out.version = [{ type: { text: 'firmware' }, value: d.firmware }];
  return out;
}
