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
  /** Migration 21; rows from before it are the patient's. */
  role: ColumnType<string, string | undefined, string>;
  guest_name: string | null;
  revoked_at: NullableTime;
  /** Migration 30. */
  admitted_at: NullableTime;
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
        role: l.role,
        guest_name: l.guestName,
        revoked_at: l.revokedAt,
        admitted_at: l.admittedAt,
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
      role: r.role === 'guest' ? 'guest' : 'patient',
      guestName: r.guest_name,
      revokedAt: r.revoked_at === null ? null : this.d.iso(r.revoked_at),
      admittedAt: r.admitted_at === null ? null : this.d.iso(r.admitted_at),
    };
  }

  /** Withdraws the link (the participant was removed); the first withdrawal's time is kept. */
  async revoke(tokenSha256: string, at: Date): Promise<ActLinkRecord | null> {
    await this.db
      .updateTable('act_links')
      .set({ revoked_at: at.toISOString() })
      .where('token_sha256', '=', tokenSha256)
      .where('revoked_at', 'is', null)
      .execute();
    return this.get(tokenSha256);
  }

  /** The specialist let the participant in; the first admission's time is kept. */
  async admit(tokenSha256: string, at: Date): Promise<ActLinkRecord | null> {
    await this.db
      .updateTable('act_links')
      .set({ admitted_at: at.toISOString() })
      .where('token_sha256', '=', tokenSha256)
      .where('admitted_at', 'is', null)
      .execute();
    return this.get(tokenSha256);
  }

  /** The guests' links of an act, oldest first (who was invited, who opened their link, who was removed). */
  async guestsOf(actId: string): Promise<ActLinkRecord[]> {
    if (!this.d.canBeKey(actId)) return [];
    const rows = await this.db
      .selectFrom('act_links')
      .select('token_sha256')
      .where('appointment_id', '=', actId)
      .where('role', '=', 'guest')
      .orderBy('created_at')
      .orderBy('token_sha256')
      .execute();
    const out: ActLinkRecord[] = [];
    for (const r of rows) {
      const l = await this.get(r.token_sha256);
      if (l) out.push(l);
    }
    return out;
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
