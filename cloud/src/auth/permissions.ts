/**
 * Who may do what on the cloud: the roles of the care team and the permissions each carries, as
 * data in one table. Route access (http/access/route-access.ts) checks it on every request and
 * docs/roles.md's matrix is generated from it (auth/roles-doc.ts), so the two cannot drift.
 *
 * Scope is separate from permission: a permission says what kind of thing an account may do, its
 * sites (and gateway patterns) say on which carts' patients (http/access/data-access.ts).
 */

export const ROLES = ['specialist', 'gp', 'ehpad-nurse', 'telemonitoring-nurse', 'coordinator', 'site-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'vitals.read',
  'alerts.acknowledge',
  'appointments.schedule',
  'acts.join',
  'reports.write',
  'reports.read',
  'patients.read',
  'patients.manage',
  'carts.manage',
  'sites.manage',
  'accounts.manage',
  'audit.read',
  'acts.export',
  'enrolments.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RoleInfo {
  /** Who holds this role, in a clinician's words (docs/roles.md). */
  title: string;
  /** A professional identifier (RPPS, 11 digits) is required for the account. */
  rpps: boolean;
  permissions: readonly Permission[];
}

/** The matrix. A role absent from a permission's row does not have it: closed by default. */
export const ROLE_TABLE: Readonly<Record<Role, RoleInfo>> = {
  specialist: {
    title: 'specialist physician consulted at a distance (cardiologist, dermatologist, …)',
    rpps: true,
    permissions: [
      'vitals.read',
      'alerts.acknowledge',
      'appointments.schedule',
      'acts.join',
      'reports.write',
      'reports.read',
      'patients.read',
      'acts.export',
      'enrolments.manage',
    ],
  },
  gp: {
    title: 'general practitioner, often the resident’s own doctor (médecin traitant)',
    rpps: true,
    permissions: [
      'vitals.read',
      'alerts.acknowledge',
      'appointments.schedule',
      'acts.join',
      'reports.write',
      'reports.read',
      'patients.read',
      'acts.export',
      'enrolments.manage',
    ],
  },
  'ehpad-nurse': {
    title: 'nurse of the nursing home (EHPAD) who takes the readings at the bedside with the cart',
    rpps: false,
    permissions: ['vitals.read', 'alerts.acknowledge', 'reports.read', 'patients.read'],
  },
  'telemonitoring-nurse': {
    title: 'nurse of the telemonitoring centre who watches the readings and alerts of home kits',
    rpps: false,
    permissions: ['vitals.read', 'alerts.acknowledge', 'reports.read', 'patients.read'],
  },
  coordinator: {
    title: 'coordinator or medical secretary: books appointments on behalf of practitioners, no clinical data',
    rpps: false,
    permissions: ['appointments.schedule', 'patients.read', 'acts.export'],
  },
  'site-admin': {
    title: 'administrator of one or more sites: accounts, carts and patients of those sites, no clinical data',
    rpps: false,
    permissions: ['patients.read', 'patients.manage', 'carts.manage', 'sites.manage', 'accounts.manage'],
  },
  auditor: {
    title: 'data protection officer or quality auditor: reads the audit trail, nothing else',
    rpps: false,
    permissions: ['audit.read'],
  },
};

/** What each permission lets an account do (docs/roles.md). */
export const PERMISSION_TEXT: Readonly<Record<Permission, string>> = {
  'vitals.read': 'read readings, trends, recordings, attachments, alerts and the live event stream of its patients',
  'alerts.acknowledge': 'acknowledge an alert',
  'appointments.schedule': 'book, move and cancel appointments; read the agenda',
  'acts.join': 'list teleconsultations and join one from the consultation page',
  'reports.write': 'write, sign and amend the report of an act',
  'reports.read': 'read reports (API, FHIR DocumentReference, PDF)',
  'patients.read': 'list its patients and read their identity (no readings)',
  'patients.manage': 'admit, transfer, discharge patients of its sites',
  'carts.manage': "list carts with their state, enroll and revoke carts of its sites, map their shared devices' users to their patients",
  'sites.manage':
    'list its sites and change their name, kind and contact (an administrator of every cart also creates sites and sets their carts); edit the on-call teams of its sites',
  'accounts.manage': 'create accounts, change their role and sites, disable them, end their sessions',
  'audit.read': 'read the audit trail of every cart',
  'acts.export': 'export the activity (acts.csv) for billing',
  'enrolments.manage': 'enrol a patient in a telemonitoring programme (a prescription) and end an enrolment',
};

/** Permissions that read or change patient data (the audit trail names patients too): a refusal on one is written to the audit trail. */
export const PATIENT_DATA_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'audit.read',
  'vitals.read',
  'alerts.acknowledge',
  'reports.read',
  'reports.write',
  'patients.read',
  'patients.manage',
  'acts.join',
  'enrolments.manage',
]);

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function isPermission(v: unknown): v is Permission {
  return typeof v === 'string' && (PERMISSIONS as readonly string[]).includes(v);
}

/** The permissions of an account: its role's, plus audit.read for accounts granted the audit right (teleconsult.specialists[].audit). */
export function permissionsOf(role: Role, extra: { audit?: boolean } = {}): ReadonlySet<Permission> {
  const set = new Set<Permission>(ROLE_TABLE[role].permissions);
  if (extra.audit === true) set.add('audit.read');
  return set;
}

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_TABLE[role].permissions.includes(permission);
}

/**
 * A French RPPS number (Répertoire partagé des professionnels de santé): 11 digits whose last is a
 * Luhn check digit over the first ten. Returns why it is not one, or null.
 */
export function rppsProblem(rpps: string): string | null {
  if (!/^[0-9]{11}$/.test(rpps)) return `an RPPS number is 11 digits (got ${JSON.stringify(rpps)})`;
  let sum = 0;
  for (let i = 0; i < 11; i++) {
    let d = Number(rpps[10 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0 ? null : `${rpps} fails the RPPS check digit (Luhn): mistyped?`;
}
