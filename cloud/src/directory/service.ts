/**
 * The patient directory's rules before the store: an INS is refused when its key is wrong or its
 * OID is not an INS one, a cart must be known, and every change and every refusal is an audit line.
 * The carts whose patient lists a change altered are told (onChange: their lists are republished).
 */
import { checkNir, INS_OIDS } from '@telecart/devices';
import type { Role } from '../auth/permissions.js';
import type {
  AuditEventInput,
  CloudStore,
  DirectoryPatient,
  DirectoryResult,
  IdentityFields,
  IdentityStatus,
} from '../store/cloud-store.js';

export interface DirectoryServiceOptions {
  store: CloudStore;
  /** Whether the cloud knows this cart (a configured site's, or one that reported its status). */
  knownCart(gatewayId: string): Promise<boolean>;
  /** The site a cart belongs to, if configured. */
  siteOf(gatewayId: string): string | null;
  audit(e: Omit<AuditEventInput, 'at'>): void;
  /** The role of the account acting, written to the audit (default: specialist). */
  roleOf?(accountId: string): Role;
  onChange?(gatewayIds: readonly string[]): void;
  now?: () => Date;
}

/** What a caller gives for a patient's identity: the INS optional, its OID required with it. */
export interface IdentityInput {
  family: string;
  given: string;
  birthDate: string;
  ins?: string | undefined;
  insOid?: string | undefined;
  identityStatus: IdentityStatus;
}

export type DirectoryOutcome = { ok: true; patient: DirectoryPatient } | { ok: false; status: 400 | 404 | 409 | 422; message: string };

const STATUS_OF = { 'not-found': 404, conflict: 409, refused: 422 } as const;

/** Why this identity is refused, or null. */
export function identityProblem(i: IdentityInput): string | null {
  if (i.ins === undefined) {
    if (i.insOid !== undefined) return 'insOid given without ins';
    if (i.identityStatus === 'recovered' || i.identityStatus === 'qualified')
      return `a ${i.identityStatus} identity has an INS (recovered and qualified mean the INSi service returned one)`;
    return null;
  }
  if (i.insOid === undefined) return `insOid is required with ins (e.g. ${Object.keys(INS_OIDS)[0]})`;
  if (!(i.insOid in INS_OIDS)) return `insOid ${i.insOid} is not an INS OID (${Object.keys(INS_OIDS).join(', ')})`;
  const nir = checkNir(i.ins);
  return nir.ok ? null : `INS ${i.ins}: ${nir.reason}`;
}

function fieldsOf(i: IdentityInput): IdentityFields {
  return {
    family: i.family,
    given: i.given,
    birthDate: i.birthDate,
    ins: i.ins ?? null,
    insOid: i.ins === undefined ? null : (i.insOid ?? null),
    identityStatus: i.identityStatus,
  };
}

export class DirectoryService {
  private readonly now: () => Date;

  constructor(private readonly o: DirectoryServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  create(by: string, id: string, identity: IdentityInput): Promise<DirectoryOutcome> {
    const problem = identityProblem(identity);
    if (problem !== null) return this.refuse(by, 'patient-create-refused', id, null, 400, problem);
    return this.apply(by, 'patient-create', id, `identity ${identity.identityStatus}`, () =>
      this.o.store.createDirectoryPatient({ id, ...fieldsOf(identity), by, at: this.now().toISOString() }),
    );
  }

  update(by: string, id: string, identity: IdentityInput): Promise<DirectoryOutcome> {
    const problem = identityProblem(identity);
    if (problem !== null) return this.refuse(by, 'patient-update-refused', id, null, 400, problem);
    return this.apply(by, 'patient-update', id, `identity ${identity.identityStatus}`, () =>
      this.o.store.updateDirectoryPatient(id, fieldsOf(identity), by, this.now().toISOString()),
    );
  }

  async admit(by: string, id: string, gatewayId: string, localId: string | undefined): Promise<DirectoryOutcome> {
    return this.move(by, 'admit', id, gatewayId, localId);
  }

  async transfer(by: string, id: string, gatewayId: string, localId: string | undefined): Promise<DirectoryOutcome> {
    return this.move(by, 'transfer', id, gatewayId, localId);
  }

  discharge(by: string, id: string, reason: string | null): Promise<DirectoryOutcome> {
    return this.apply(by, 'patient-discharge', id, reason, () => this.o.store.dischargePatient(id, by, this.now().toISOString(), reason));
  }

  merge(by: string, survivorId: string, duplicateId: string): Promise<DirectoryOutcome> {
    return this.apply(by, 'patient-merge', survivorId, `${duplicateId} merged into ${survivorId}`, () =>
      this.o.store.mergePatients(survivorId, duplicateId, by, this.now().toISOString()),
    );
  }

  private async move(by: string, kind: 'admit' | 'transfer', id: string, gatewayId: string, localId: string | undefined) {
    if (!(await this.o.knownCart(gatewayId)))
      return this.refuse(
        by,
        `patient-${kind}-refused`,
        id,
        gatewayId,
        422,
        `unknown cart ${gatewayId}: no configured site has it and it never reported`,
      );
    const a = {
      patientId: id,
      gatewayId,
      siteId: this.o.siteOf(gatewayId),
      by,
      at: this.now().toISOString(),
      ...(localId ? { localId } : {}),
    };
    return this.apply(by, `patient-${kind}`, id, `to ${gatewayId}`, () =>
      kind === 'admit' ? this.o.store.admitPatient(a) : this.o.store.transferPatient(a),
    );
  }

  private async apply(
    by: string,
    action: string,
    patientId: string,
    detail: string | null,
    op: () => Promise<DirectoryResult>,
  ): Promise<DirectoryOutcome> {
    const r = await op();
    if (!r.ok) return this.refuse(by, `${action}-refused`, patientId, null, STATUS_OF[r.error], r.message);
    this.o.audit({ actor: by, actorRole: this.o.roleOf?.(by) ?? 'specialist', action, patientId, detail });
    if (r.carts.length > 0) this.o.onChange?.(r.carts);
    return { ok: true, patient: r.patient };
  }

  private async refuse(
    by: string,
    action: string,
    patientId: string,
    gatewayId: string | null,
    status: 400 | 404 | 409 | 422,
    message: string,
  ): Promise<DirectoryOutcome> {
    this.o.audit({
      actor: by,
      actorRole: this.o.roleOf?.(by) ?? 'specialist',
      action,
      patientId,
      gatewayId,
      detail: message.slice(0, 300),
    });
    return { ok: false, status, message };
  }
}
