/**
 * The patient directory (migration 18): who a patient is (names, birth date, INS and how far its
 * identity was checked), which site and cart it is on, and every movement (admit, transfer,
 * discharge, merge) with who and when. Pure types and rules; the SQL is directory-tables.ts.
 */

/**
 * The French INS identity statuses (Référentiel national d'identitovigilance): provisional
 * (nothing checked), recovered (INS fetched from the INSi service, no identity document seen),
 * validated (identity document seen, INS not fetched), qualified (both). Only a qualified INS
 * may be shared as the INS.
 */
export const IDENTITY_STATUSES = ['provisional', 'recovered', 'validated', 'qualified'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

export const MOVEMENT_KINDS = ['create', 'update', 'admit', 'transfer', 'discharge', 'merge'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

export interface DirectoryPatient {
  id: string;
  family: string | null;
  given: string | null;
  /** YYYY-MM-DD */
  birthDate: string | null;
  ins: string | null;
  insOid: string | null;
  /** Null on patients written before migration 18 or only seen on readings: not recorded. */
  identityStatus: IdentityStatus | null;
  siteId: string | null;
  /** The cart (gateway) the patient is on now; null when not admitted, discharged or merged. */
  gatewayId: string | null;
  /** What that cart calls the patient (defaults to the patient id). */
  localId: string | null;
  admittedAt: string | null;
  dischargedAt: string | null;
  /** The patient this one was merged into (a duplicate); its readings, acts and alerts now belong there. */
  mergedInto: string | null;
}

export interface PatientMovement {
  id: number;
  patientId: string;
  kind: MovementKind;
  at: string;
  by: string;
  fromGateway: string | null;
  toGateway: string | null;
  siteId: string | null;
  /** merge: the other patient (on the survivor: the duplicate; on the duplicate: the survivor). */
  otherPatientId: string | null;
  detail: string | null;
}

export interface IdentityFields {
  family: string;
  given: string;
  birthDate: string;
  ins: string | null;
  insOid: string | null;
  identityStatus: IdentityStatus;
}

export interface NewDirectoryPatient extends IdentityFields {
  id: string;
  by: string;
  at: string;
}

export interface Admission {
  patientId: string;
  gatewayId: string;
  siteId: string | null;
  /** What the cart calls the patient; default the patient id. */
  localId?: string;
  by: string;
  at: string;
}

export type DirectoryError = 'not-found' | 'conflict' | 'refused';

export type DirectoryResult =
  | {
      ok: true;
      patient: DirectoryPatient;
      /** Carts whose patient list this change altered (to republish theirs). */
      carts: string[];
    }
  | { ok: false; error: DirectoryError; message: string };

export interface LikelyDuplicate {
  a: string;
  b: string;
  reason: 'same-ins' | 'same-name-birth-date';
}

/** The qualified INS of a patient, or null: the only INS that may be exported or compared as the INS. */
export function qualifiedIns(p: Pick<DirectoryPatient, 'ins' | 'insOid' | 'identityStatus'>): string | null {
  return p.identityStatus === 'qualified' && p.ins !== null && p.insOid !== null ? `${p.insOid}|${p.ins}` : null;
}

/** Why two patients must not be merged, or null: two different qualified INS are two people. */
export function mergeRefusal(survivor: DirectoryPatient, duplicate: DirectoryPatient): string | null {
  if (survivor.id === duplicate.id) return `cannot merge ${survivor.id} into itself`;
  if (duplicate.mergedInto !== null) return `${duplicate.id} was already merged into ${duplicate.mergedInto}`;
  if (survivor.mergedInto !== null) return `${survivor.id} was merged into ${survivor.mergedInto}: merge into that one`;
  const a = qualifiedIns(survivor);
  const b = qualifiedIns(duplicate);
  if (a !== null && b !== null && a !== b)
    return `${survivor.id} and ${duplicate.id} have different qualified INS (${survivor.ins}, ${duplicate.ins}): two people, not duplicates`;
  return null;
}

/** Case- and accent-insensitive key of a name, for the duplicate check only. */
function nameKey(s: string | null): string {
  return (s ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]+/g, ' ')
    .trim();
}

/**
 * Pairs of live (not merged) patients that are likely the same person: the same INS (whatever
 * its status), or the same family name, given name and birth date. Each pair once, sorted.
 */
export function likelyDuplicates(patients: readonly DirectoryPatient[]): LikelyDuplicate[] {
  const live = patients.filter((p) => p.mergedInto === null);
  const found = new Map<string, LikelyDuplicate>();
  const group = (key: (p: DirectoryPatient) => string | null, reason: LikelyDuplicate['reason']) => {
    const byKey = new Map<string, string[]>();
    for (const p of live) {
      const k = key(p);
      if (k === null) continue;
      byKey.set(k, [...(byKey.get(k) ?? []), p.id]);
    }
    for (const ids of byKey.values()) {
      const sorted = [...ids].sort();
      for (let i = 0; i < sorted.length; i++)
        for (let j = i + 1; j < sorted.length; j++) {
          const a = sorted[i] as string;
          const b = sorted[j] as string;
          const pair = `${a}\u0000${b}`;
          if (!found.has(pair)) found.set(pair, { a, b, reason });
        }
    }
  };
  group((p) => p.ins, 'same-ins');
  group(
    (p) => (p.family && p.given && p.birthDate ? `${nameKey(p.family)}|${nameKey(p.given)}|${p.birthDate}` : null),
    'same-name-birth-date',
  );
  return [...found.values()].sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
}
