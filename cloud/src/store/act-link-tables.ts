/** The join links table of both stores (migration 15), through Kysely like report-tables.ts. */
import type { ColumnType, Kysely } from 'kysely';
import type { ActLinkRecord } from './act-link-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;

export interface ActLinksTable {
  token_sha256: string;
  appointment_id: string;
  patient_id: string;
  created_at: Time;
  /** int8 on PostgreSQL: read back as text. */
  expires_ms: ColumnType<number | string, number, number>;
  device_sha256: string | null;
  bound_at: NullableTime;
}

export interface ActLinkDatabase {
  act_links: ActLinksTable;
}

export class ActLinkTables {
  constructor(
    private readonly db: Kysely<ActLinkDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** Saves the link; the same token saved again (a repeated invitation round) changes nothing. */
  async save(l: ActLinkRecord): Promise<void> {
    if (!this.d.canBeKey(l.appointmentId)) throw new Error(`act link: ${l.appointmentId} is not an appointment id`);
    await this.db
      .insertInto('act_links')
      .values({
        token_sha256: l.tokenSha256,
        appointment_id: l.appointmentId,
        patient_id: l.patientId,
        created_at: l.createdAt,
        expires_ms: Date.parse(l.expiresAt),
        device_sha256: l.deviceSha256,
        bound_at: l.boundAt,
      })
      .onConflict((oc) => oc.column('token_sha256').doNothing())
      .execute();
  }

  async get(tokenSha256: string): Promise<ActLinkRecord | null> {
    const r = await this.db.selectFrom('act_links').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
    if (!r) return null;
    return {
      tokenSha256: r.token_sha256,
      appointmentId: r.appointment_id,
      patientId: r.patient_id,
      createdAt: this.d.iso(r.created_at),
      expiresAt: new Date(this.d.int(r.expires_ms)).toISOString(),
      deviceSha256: r.device_sha256,
      boundAt: r.bound_at === null ? null : this.d.iso(r.bound_at),
    };
  }

  /**
   * Binds the link to this device if no device has it yet (compare-and-set: of two first opens at
   * once, one wins). Returns the link as it is now: the caller compares its device with its own.
   */
  async bind(tokenSha256: string, deviceSha256: string, at: Date): Promise<ActLinkRecord | null> {
    await this.db
      .updateTable('act_links')
      .set({ device_sha256: deviceSha256, bound_at: at.toISOString() })
      .where('token_sha256', '=', tokenSha256)
      .where('device_sha256', 'is', null)
      .execute();
    return this.get(tokenSha256);
  }
}
