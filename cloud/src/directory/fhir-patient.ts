/**
 * FHIR R4 Patient of the directory, both ways.
 *
 * Out: only a qualified INS is the INS identifier (system urn:oid:<INS OID>, as FR Core's
 * fr-core-patient slices it). Any other INS is kept as a secondary identifier under telecart's own
 * system, so no receiver takes it for an INS. The identity status is a meta tag: FR Core's
 * reliability codes (v2-0445: VIDE, PROV, VALI…) have no distinct "recovered" nor "qualified", so
 * telecart's four statuses use their own code system. A merged patient is inactive and points to
 * its survivor (link replaced-by). A patient from before the directory (status not recorded) is
 * exported as before: its INS as given by the configuration.
 *
 * The patient's own contact (migration 32) is `telecom`: the e-mail (system email) and the mobile
 * (system phone, use mobile).
 *
 * In: family, given, birthDate, the INS (identifier under an INS OID system), the status tag, and
 * telecom (one email, one phone, checked as the JSON API checks them).
 */
import { type FhirPatient, toFhirId, toFhirPatient } from '@telecart/devices';
import { IDNPS_SYSTEM } from '../fhir/episode-of-care.js';
import type { DirectoryPatient } from '../store/cloud-store.js';
import { IDENTITY_STATUSES, type IdentityStatus } from '../store/directory-records.js';
import type { DirectoryContact } from '../store/patient-contact-tables.js';
import type { DirectoryGp } from '../store/referring-gp-tables.js';
import { type Checked, type ContactFields, emailAddress, mobileNumber } from './contact.js';
import type { IdentityInput } from './service.js';

export const IDENTITY_STATUS_SYSTEM = 'urn:telecart:identity-status';
/** An INS whose identity is not qualified: kept, but not as the INS. */
export const UNQUALIFIED_INS_SYSTEM = 'urn:telecart:ins-unqualified';

const DISPLAY: Readonly<Record<IdentityStatus, string>> = {
  provisional: 'Identité provisoire',
  recovered: 'Identité récupérée',
  validated: 'Identité validée',
  qualified: 'Identité qualifiée',
};

export type DirectoryFhirPatient = FhirPatient;

/**
 * `gp`: the directory's referring GP, as Patient.generalPractitioner: a Practitioner named, with the
 * national identifier of its RPPS number (`8` + RPPS, as FR Core) when known. Its e-mail is not
 * exported: a Reference has no telecom, and the address is for the reports' links only.
 * `contact`: the patient's own, as Patient.telecom (email; phone with use mobile).
 */
export function toDirectoryFhirPatient(
  p: DirectoryPatient,
  { gp, contact }: { gp?: DirectoryGp | null; contact?: DirectoryContact | null } = {},
): DirectoryFhirPatient {
  const telecom = [
    ...(contact?.email ? [{ system: 'email' as const, value: contact.email, use: 'home' as const }] : []),
    ...(contact?.phone ? [{ system: 'phone' as const, value: contact.phone, use: 'mobile' as const }] : []),
  ];
  const exportIns = p.identityStatus === null || p.identityStatus === 'qualified';
  const base = toFhirPatient({ ...p, ...(exportIns ? {} : { ins: null, insOid: null }) });
  const identifier = [...(base.identifier ?? [])];
  if (!exportIns && p.ins !== null)
    identifier.push({
      use: 'secondary',
      system: UNQUALIFIED_INS_SYSTEM,
      value: p.ins,
      ...(p.insOid ? { type: { text: `INS non qualifié (OID ${p.insOid})` } } : {}),
    });
  // Patients from before the directory (no status, never merged) are exported exactly as before.
  const managed = p.identityStatus !== null || p.mergedInto !== null;
  return {
    ...base,
    ...(p.identityStatus === null
      ? {}
      : { meta: { tag: [{ system: IDENTITY_STATUS_SYSTEM, code: p.identityStatus, display: DISPLAY[p.identityStatus] }] } }),
    identifier,
    ...(managed ? { active: p.mergedInto === null } : {}),
    ...(p.mergedInto === null
      ? {}
      : { link: [{ other: { reference: `Patient/${toFhirId(p.mergedInto)}` }, type: 'replaced-by' as const }] }),
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(gp
      ? {
          generalPractitioner: [
            {
              type: 'Practitioner',
              ...(gp.rpps !== null ? { identifier: { system: IDNPS_SYSTEM, value: `8${gp.rpps}` } } : {}),
              display: gp.name,
            },
          ],
        }
      : {}),
  };
}

/** The identity a client's Patient gives, or why it is refused. */
export function identityFromFhir(r: {
  name?: readonly { family?: string | undefined; given?: readonly string[] | undefined }[] | undefined;
  birthDate?: string | undefined;
  identifier?: readonly { system?: string | undefined; value?: string | undefined }[] | undefined;
  meta?: { tag?: readonly { system?: string | undefined; code?: string | undefined }[] | undefined } | undefined;
}): { ok: true; identity: IdentityInput } | { ok: false; message: string } {
  const name = r.name?.[0];
  const family = name?.family;
  const given = name?.given?.[0];
  if (!family || !given) return { ok: false, message: 'Patient.name[0] needs a family and a given name' };
  if (!r.birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(r.birthDate)) return { ok: false, message: 'Patient.birthDate (YYYY-MM-DD) is required' };
  const ins = (r.identifier ?? []).filter((i) => i.system?.startsWith('urn:oid:1.2.250.1.213.1.4.'));
  if (ins.length > 1) return { ok: false, message: 'more than one INS identifier' };
  const tags = (r.meta?.tag ?? []).filter((t) => t.system === IDENTITY_STATUS_SYSTEM);
  const code = tags[0]?.code ?? 'provisional';
  if (tags.length > 1 || !(IDENTITY_STATUSES as readonly string[]).includes(code))
    return { ok: false, message: `one meta.tag of ${IDENTITY_STATUS_SYSTEM} is expected, one of ${IDENTITY_STATUSES.join(', ')}` };
  const one = ins[0];
  if (one !== undefined && !one.value) return { ok: false, message: 'the INS identifier has no value' };
  return {
    ok: true,
    identity: {
      family,
      given,
      birthDate: r.birthDate,
      identityStatus: code as IdentityStatus,
      ...(one?.value && one.system ? { ins: one.value, insOid: one.system.slice('urn:oid:'.length) } : {}),
    },
  };
}

/**
 * The contact a client's Patient.telecom gives: undefined when it has none (the contact is left as it
 * is), an empty one for `[]`, or why it is refused (a system the directory does not keep, two of one).
 */
export function contactFromFhir(
  telecom: readonly { system?: string | undefined; value?: string | undefined }[] | undefined,
): Checked<ContactFields | undefined> {
  if (telecom === undefined) return { ok: true, value: undefined };
  const out: ContactFields = { email: null, phone: null };
  for (const t of telecom) {
    if (t.system !== 'email' && t.system !== 'phone' && t.system !== 'sms')
      return { ok: false, message: `Patient.telecom system ${t.system ?? '(none)'} is not kept: one email and one phone (mobile) only` };
    const field = t.system === 'email' ? 'email' : 'phone';
    if (out[field] !== null) return { ok: false, message: `Patient.telecom has more than one ${field}: the directory keeps one` };
    const r = field === 'email' ? emailAddress(t.value ?? '') : mobileNumber(t.value ?? '');
    if (!r.ok) return { ok: false, message: `Patient.telecom: ${r.message}` };
    out[field] = r.value;
  }
  return { ok: true, value: out };
}
