/**
 * A home act's media halves (migration 33), through Kysely like act-room-tables.ts: when the
 * specialist's page first said it decoded the patient, and when the patient's page first said it
 * decoded the specialist (teleconsult/home-acts.ts). The media are up when both did; an instance that
 * takes the act back (a restart, a take-over, a hand-over) reads the halves already said, so a page
 * that said its half before does not have to say it again. The row goes when the act ends.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;

export interface HomeActMediaTable {
  session_id: string;
  specialist_at: Time | null;
  patient_at: Time | null;
}

export interface HomeActMediaDatabase {
  home_act_media: HomeActMediaTable;
}

/** Which page said it decoded the other: the specialist's (`home-media-up`) or the patient's (`media-up`). */
export type MediaHalf = 'specialist' | 'patient';

/** The halves said so far (ISO times), each null until said. */
export interface StoredMediaHalves {
  specialist: string | null;
  patient: string | null;
}

/** The halves as the home acts use them (CloudStore.homeActMedia). */
export type HomeActMediaStore = Pick<HomeActMediaTables, 'said' | 'get' | 'clear'>;

export class HomeActMediaTables {
  constructor(
    private readonly db: Kysely<HomeActMediaDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** One half said at `at`; a half said before keeps its first time. */
  async said(sessionId: string, half: MediaHalf, at: string): Promise<void> {
    await this.db
      .insertInto('home_act_media')
      .values({ session_id: sessionId, specialist_at: null, patient_at: null })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .execute();
    const q = this.db.updateTable('home_act_media').where('session_id', '=', sessionId);
    if (half === 'specialist') await q.set({ specialist_at: at }).where('specialist_at', 'is', null).execute();
    else await q.set({ patient_at: at }).where('patient_at', 'is', null).execute();
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
