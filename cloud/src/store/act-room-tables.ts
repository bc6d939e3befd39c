/**
 * Which acts have an open room on the forwarding unit (migration 30), through Kysely like
 * act-lease-tables.ts: a row from the first guest's admission to the act's end, so that after a
 * cloud restart the room reopens when a party of the act signals again (teleconsult/unit-signaling.ts,
 * docs/conversation.md « Across a cloud restart »). The room's peers are not stored: they are rebuilt.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

export interface ActRoomsTable {
  session_id: string;
  /** The act's cart (null: a home act), to tell its page `closed` even when the act ends after a restart. */
  gateway_id: string | null;
  opened_by: string;
  opened_at: ColumnType<string | Date, string, string>;
}

export interface ActRoomDatabase {
  act_rooms: ActRoomsTable;
}

/** An act's open room as the store keeps it. */
export interface StoredActRoom {
  sessionId: string;
  gatewayId: string | null;
  /** The specialist who let the first guest in. */
  openedBy: string;
  openedAt: string;
}

/** The rooms as the relay uses them (CloudStore.actRooms). */
export type ActRoomStore = Pick<ActRoomTables, 'open' | 'get' | 'close'>;

export class ActRoomTables {
  constructor(
    private readonly db: Kysely<ActRoomDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** The act's room is open; an open one keeps its first opening. */
  async open(r: StoredActRoom): Promise<void> {
    await this.db
      .insertInto('act_rooms')
      .values({ session_id: r.sessionId, gateway_id: r.gatewayId, opened_by: r.openedBy, opened_at: r.openedAt })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .execute();
  }

  async get(sessionId: string): Promise<StoredActRoom | null> {
    const r = await this.db.selectFrom('act_rooms').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    if (!r) return null;
    return { sessionId: r.session_id, gatewayId: r.gateway_id, openedBy: r.opened_by, openedAt: this.d.iso(r.opened_at) };
  }

  /** The act ended: its room is no more. Returns the row it was, or null when none was open. */
  async close(sessionId: string): Promise<StoredActRoom | null> {
    const r = await this.get(sessionId);
    if (r) await this.db.deleteFrom('act_rooms').where('session_id', '=', sessionId).execute();
    return r;
  }
}
