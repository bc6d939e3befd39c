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
  /** Read only, for the names that greet the patient (migration 1). */
  patients: { id: string; family: string | null; given: string | null };
}

/** Rows per statement of the seed (5 parameters each, well under SQLite's limit). */
const SEED_CHUNK = 500;

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

/** A contact with the names of its patient, as the messages greet them. */
export interface ContactWithName extends DirectoryContact {
  family: string | null;
  given: string | null;
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

  /** The contacts of these patients with their names, in one query (the inviter's round). */
  async getMany(patientIds: readonly string[]): Promise<Map<string, ContactWithName>> {
    const out = new Map<string, ContactWithName>();
    if (patientIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('patient_contacts as c')
      .innerJoin('patients as p', 'p.id', 'c.patient_id')
      .select(['c.patient_id', 'c.email', 'c.phone', 'c.updated_at', 'c.updated_by', 'p.family', 'p.given'])
      .where(this.d.inList('c.patient_id', [...new Set(patientIds)]))
      .execute();
    for (const r of rows) out.set(r.patient_id, { ...this.view(r), family: r.family, given: r.given });
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
   * The configuration's contacts, written while no one changed them in the directory: a new row, or
   * one the seed wrote before (the file's edit then reaches it). In chunks of one statement each
   * (1,000 patients: 4 s one by one on SQLite, one commit each). How many rows it wrote.
   */
  async seed(contacts: readonly { patientId: string; email: string | null; phone: string | null }[], at: string): Promise<number> {
    let written = 0;
    for (let i = 0; i < contacts.length; i += SEED_CHUNK) {
      const rows = contacts
        .slice(i, i + SEED_CHUNK)
        .map((c) => ({ patient_id: c.patientId, email: c.email, phone: c.phone, updated_at: at, updated_by: SEED_AUTHOR }));
      const r = await this.db
        .insertInto('patient_contacts')
        .values(rows)
        .onConflict((oc) =>
          oc
            .column('patient_id')
            .doUpdateSet((eb) => ({
              email: eb.ref('excluded.email'),
              phone: eb.ref('excluded.phone'),
              updated_at: eb.ref('excluded.updated_at'),
            }))
            .where('patient_contacts.updated_by', '=', SEED_AUTHOR)
            .where((eb) =>
              eb.or([
                eb('patient_contacts.email', 'is distinct from', eb.ref('excluded.email')),
                eb('patient_contacts.phone', 'is distinct from', eb.ref('excluded.phone')),
              ]),
            ),
        )
        .executeTakeFirst();
      written += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    return written;
  }
}
