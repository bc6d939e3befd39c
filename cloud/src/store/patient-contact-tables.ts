/**
 * The patient's own contact in the directory (migration 32), through Kysely like the directory's
 * tables: an e-mail and a mobile number (E.164), each optional, with who changed them and when. One
 * row per patient. A row whose both fields are null is a contact removed by someone: it stays, so
 * the configuration's seed (patients[].telecom, written at start by `seed`) does not come back.
 * A row written by the seed names `SEED_AUTHOR`: the seed follows the file until someone sets or
 * removes the contact in the directory.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;

export interface PatientContactsTable {
  patient_id: string;
  email: string | null;
  phone: string | null;
  updated_at: Time;
  updated_by: string;
}

export interface PatientContactDatabase {
  patient_contacts: PatientContactsTable;
}

/** Who the configuration's seed is in `updatedBy`. */
export const SEED_AUTHOR = 'configuration';

/** The contact as the directory keeps it. */
export interface DirectoryContact {
  /** Gets the invitations, the identity code by e-mail and the reports' links. */
  email: string | null;
  /** E.164 mobile number: the same by SMS. */
  phone: string | null;
  updatedAt: string;
  /** The account that last changed it, or `configuration` for the seed. */
  updatedBy: string;
}

export type PatientContactStore = Pick<PatientContactTables, 'get' | 'getMany' | 'set' | 'seed'>;

export class PatientContactTables {
  constructor(
    private readonly db: Kysely<PatientContactDatabase>,
    private readonly d: StoreDialect,
  ) {}

  private view(r: { email: string | null; phone: string | null; updated_at: string | Date; updated_by: string }): DirectoryContact {
    return { email: r.email, phone: r.phone, updatedAt: this.d.iso(r.updated_at), updatedBy: r.updated_by };
  }

  /** The patient's contact row (null: never set). A removed contact is a row with both fields null. */
  async get(patientId: string): Promise<DirectoryContact | null> {
    const r = await this.db.selectFrom('patient_contacts').selectAll().where('patient_id', '=', patientId).executeTakeFirst();
    return r ? this.view(r) : null;
  }

  /** The contacts of these patients, in one query (the inviter's round). */
  async getMany(patientIds: readonly string[]): Promise<Map<string, DirectoryContact>> {
    const out = new Map<string, DirectoryContact>();
    if (patientIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('patient_contacts')
      .selectAll()
      .where(this.d.inList('patient_id', [...new Set(patientIds)]))
      .execute();
    for (const r of rows) out.set(r.patient_id, this.view(r));
    return out;
  }

  /** Sets the contact (both null: removed, the row kept); returns what is kept now. */
  async set(patientId: string, c: { email: string | null; phone: string | null }, by: string, at: string): Promise<DirectoryContact> {
    const row = { email: c.email, phone: c.phone, updated_at: at, updated_by: by };
    await this.db
      .insertInto('patient_contacts')
      .values({ patient_id: patientId, ...row })
      .onConflict((oc) => oc.column('patient_id').doUpdateSet(row))
      .execute();
    return { email: c.email, phone: c.phone, updatedAt: at, updatedBy: by };
  }

  /**
   * The configuration's contact, written while no one changed it in the directory: a new row, or
   * one the seed wrote before (the file's edit then reaches it). True when it wrote.
   */
  async seed(patientId: string, c: { email: string | null; phone: string | null }, at: string): Promise<boolean> {
    const row = { email: c.email, phone: c.phone, updated_at: at, updated_by: SEED_AUTHOR };
    const r = await this.db
      .insertInto('patient_contacts')
      .values({ patient_id: patientId, ...row })
      .onConflict((oc) =>
        oc
          .column('patient_id')
          .doUpdateSet(row)
          .where('patient_contacts.updated_by', '=', SEED_AUTHOR)
          .where((eb) =>
            eb.or([eb('patient_contacts.email', 'is distinct from', c.email), eb('patient_contacts.phone', 'is distinct from', c.phone)]),
          ),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
