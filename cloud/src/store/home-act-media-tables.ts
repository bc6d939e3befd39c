/**
 * A home act's media halves (migration 33), through Kysely like act-room-tables.ts: when the
 * specialist's page first said it decoded the patient, and when the patient's page first said it
 * decoded the specialist (teleconsult/home-acts.ts). The media are up when both did; an instance that
 * takes the act back (a restart, a take-over, a hand-over) reads the halves already said, so a page
 * that said its half before does not have to say it again. The row goes when the act ends.
 *
 * A page is told its word is kept only once it is in the store, and says it again until then (after a
 * reconnection, a restart): so each write here is one transaction whose audit line is written only
 * with the change it records — a half said again, or the media up written again, change nothing and
 * write no line. A crash between the two cannot keep one without the other.
 */
import type { ColumnType, CompiledQuery, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';
import type { AuditEventInput } from './teleconsult-records.js';
import { type AuditEventsTable, auditInsert, type TeleconsultationsTable } from './teleconsult-tables.js';

type Time = ColumnType<string | Date, string, string>;

export interface HomeActMediaTable {
  session_id: string;
  specialist_at: Time | null;
  patient_at: Time | null;
}

export interface HomeActMediaDatabase {
  home_act_media: HomeActMediaTable;
  audit_events: AuditEventsTable;
  teleconsultations: Pick<TeleconsultationsTable, 'session_id' | 'connected_at' | 'updated_at'>;
}

/** Which page said it decoded the other: the specialist's (`home-media-up`) or the patient's (`media-up`). */
export type MediaHalf = 'specialist' | 'patient';

/** The halves said so far (ISO times), each null until said. */
export interface StoredMediaHalves {
  specialist: string | null;
  patient: string | null;
}

/**
 * One transaction (the store's own: SQLite's synchronous one, a PostgreSQL client's): runs `before`, then
 * `gate`; only if the gate changed a row, `after`. Resolves whether it did, once committed.
 */
export type GatedWrite = (w: {
  before: readonly CompiledQuery[];
  gate: CompiledQuery;
  after: readonly CompiledQuery[];
}) => Promise<boolean>;

/** The halves as the home acts use them (CloudStore.homeActMedia). */
export type HomeActMediaStore = Pick<HomeActMediaTables, 'said' | 'up' | 'get' | 'clear'>;

export class HomeActMediaTables {
  constructor(
    private readonly db: Kysely<HomeActMediaDatabase>,
    private readonly d: StoreDialect,
    private readonly gated: GatedWrite,
  ) {}

  /**
   * One half said at `at`, with its audit line (`line`), in one transaction: the first time both, later
   * neither (a half said before keeps its first time). Whether this was the first time.
   */
  said(sessionId: string, half: MediaHalf, at: string, line: AuditEventInput): Promise<boolean> {
    const ensure = this.db
      .insertInto('home_act_media')
      .values({ session_id: sessionId, specialist_at: null, patient_at: null })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .compile();
    const q = this.db.updateTable('home_act_media').where('session_id', '=', sessionId);
    const gate = (
      half === 'specialist'
        ? q.set({ specialist_at: at }).where('specialist_at', 'is', null)
        : q.set({ patient_at: at }).where('patient_at', 'is', null)
    ).compile();
    return this.gated({ before: [ensure], gate, after: [auditInsert(this.db, this.d, line)] });
  }

  /**
   * The act's media up at `at` (both halves said): its row's connected_at, with its audit line (`line`), in
   * one transaction; an act whose media were up already keeps its time and gets no second line. Whether
   * this was the first time.
   */
  up(sessionId: string, at: string, line: AuditEventInput): Promise<boolean> {
    const gate = this.db
      .updateTable('teleconsultations')
      .set({ connected_at: at, updated_at: at })
      .where('session_id', '=', sessionId)
      .where('connected_at', 'is', null)
      .compile();
    return this.gated({ before: [], gate, after: [auditInsert(this.db, this.d, line)] });
  }

  async get(sessionId: string): Promise<StoredMediaHalves | null> {
    const r = await this.db.selectFrom('home_act_media').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    if (!r) return null;
    return {
      specialist: r.specialist_at === null ? null : this.d.iso(r.specialist_at),
      patient: r.patient_at === null ? null : this.d.iso(r.patient_at),
    };
  }

  /** The act ended: its halves are no longer needed. */
  async clear(sessionId: string): Promise<void> {
    await this.db.deleteFrom('home_act_media').where('session_id', '=', sessionId).execute();
  }
}
