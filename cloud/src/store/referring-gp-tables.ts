/**
 * The patient's referring GP in the directory (migration 27), through Kysely like the directory's
 * tables: name, RPPS number when known, e-mail. One row per patient; removing the GP deletes it.
 * The configuration's patients[].referringGp stays the seed: it is used while the directory has none.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;

export interface ReferringGpsTable {
  patient_id: string;
  name: string;
  rpps: string | null;
  email: string | null;
  updated_at: Time;
  updated_by: string;
}

export interface ReferringGpDatabase {
  patient_referring_gps: ReferringGpsTable;
}

/** The referring GP as the directory keeps it. */
export interface DirectoryGp {
  name: string;
  /** 11-digit RPPS number, when known. */
  rpps: string | null;
  /** Where the signed reports' links go; without one no mail is sent. */
  email: string | null;
  updatedAt: string;
  updatedBy: string;
}

export type ReferringGpStore = Pick<ReferringGpTables, 'get' | 'getMany' | 'set'>;

export class ReferringGpTables {
  constructor(
    private readonly db: Kysely<ReferringGpDatabase>,
    private readonly d: StoreDialect,
  ) {}

  private view(r: Omit<ReferringGpsTable, 'updated_at'> & { updated_at: string | Date }): DirectoryGp {
    return { name: r.name, rpps: r.rpps, email: r.email, updatedAt: this.d.iso(r.updated_at), updatedBy: r.updated_by };
  }

  async get(patientId: string): Promise<DirectoryGp | null> {
    const r = await this.db.selectFrom('patient_referring_gps').selectAll().where('patient_id', '=', patientId).executeTakeFirst();
    return r ? this.view(r) : null;
  }

  /** The referring GPs of these patients in one query (a FHIR search's page); a patient without one is absent. */
  async getMany(patientIds: readonly string[]): Promise<Map<string, DirectoryGp>> {
    const out = new Map<string, DirectoryGp>();
    if (patientIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('patient_referring_gps')
      .selectAll()
      .where(this.d.inList('patient_id', [...new Set(patientIds)]))
      .execute();
    for (const r of rows) out.set(r.patient_id, this.view(r));
    return out;
  }

  /** Sets (or with null removes) the patient's referring GP; returns what is kept now. */
  async set(
    patientId: string,
    gp: { name: string; rpps: string | null; email: string | null } | null,
    by: string,
    at: string,
  ): Promise<DirectoryGp | null> {
    if (gp === null) {
      await this.db.deleteFrom('patient_referring_gps').where('patient_id', '=', patientId).execute();
      return null;
    }
    const row = { name: gp.name, rpps: gp.rpps, email: gp.email, updated_at: at, updated_by: by };
    await this.db
      .insertInto('patient_referring_gps')
      .values({ patient_id: patientId, ...row })
      .onConflict((oc) => oc.column('patient_id').doUpdateSet(row))
      .execute();
    return { ...gp, updatedAt: at, updatedBy: by };
  }
}
