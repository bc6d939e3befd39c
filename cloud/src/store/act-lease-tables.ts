/**
 * The owner leases of open acts (migration 23), through Kysely like act-link-tables.ts. Several
 * cloud instances on one store each see every cart's call: the one whose conditional write wins a
 * session's lease handles that act, renews the lease while the act lives, and the others take it
 * over once it lapses (that instance is gone) or is released (a planned stop, a hand-over).
 * Times are epoch ms on both stores, compared in the statement: no clock skew between the
 * instances is assumed beyond what the lease length covers.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';

export interface ActLeasesTable {
  session_id: string;
  relay_owner: string;
  /** int8 on PostgreSQL: read back as text. */
  relay_lease_until_ms: ColumnType<number | string, number, number>;
}

export interface ActLeaseDatabase {
  act_leases: ActLeasesTable;
}

/** Who holds an act's lease, and until when. */
export interface ActLease {
  sessionId: string;
  owner: string;
  until: Date;
}

/** The leases as the relay uses them (CloudStore.actLeases). */
export type ActLeaseStore = Pick<ActLeaseTables, 'take' | 'renew' | 'handOver' | 'release' | 'list' | 'get'>;

export class ActLeaseTables {
  constructor(
    private readonly db: Kysely<ActLeaseDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /**
   * Takes the act's lease for `owner` until `until` if nobody holds it, it lapsed at `now`, or
   * `owner` holds it already (a renewal); one statement, so of two instances racing only one wins.
   */
  async take(sessionId: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const row = await this.db
      .insertInto('act_leases')
      .values({ session_id: sessionId, relay_owner: owner, relay_lease_until_ms: until.getTime() })
      .onConflict((oc) =>
        oc
          .column('session_id')
          .doUpdateSet({ relay_owner: owner, relay_lease_until_ms: until.getTime() })
          .where((eb) => eb.or([eb('act_leases.relay_lease_until_ms', '<=', now.getTime()), eb('act_leases.relay_owner', '=', owner)])),
      )
      .returning('session_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Extends `owner`'s leases of these acts; returns the ones it still holds (a lease taken over is not). */
  async renew(owner: string, sessionIds: readonly string[], until: Date): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const rows = await this.db
      .updateTable('act_leases')
      .set({ relay_lease_until_ms: until.getTime() })
      .where('relay_owner', '=', owner)
      .where(() => this.d.inList('session_id', sessionIds))
      .returning('session_id')
      .execute();
    return new Set(rows.map((r) => r.session_id));
  }

  /**
   * Moves a lease another instance holds to `to`, only if it is still exactly as read (`seen`):
   * a renewal or a join on the holder in between wins, and the caller reads it again.
   */
  async handOver(seen: ActLease, to: string, until: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('act_leases')
      .set({ relay_owner: to, relay_lease_until_ms: until.getTime() })
      .where('session_id', '=', seen.sessionId)
      .where('relay_owner', '=', seen.owner)
      .where('relay_lease_until_ms', '=', seen.until.getTime())
      .returning('session_id')
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Gives the leases of these acts up (the act ended, or is left for another instance); others' are untouched. */
  async release(owner: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.db
      .deleteFrom('act_leases')
      .where('relay_owner', '=', owner)
      .where(() => this.d.inList('session_id', sessionIds))
      .execute();
  }

  /** One act's lease (lapsed or not); null: nobody holds it. */
  async get(sessionId: string): Promise<ActLease | null> {
    const r = await this.db.selectFrom('act_leases').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    return r ? { sessionId: r.session_id, owner: r.relay_owner, until: new Date(this.d.int(r.relay_lease_until_ms)) } : null;
  }

  /** Every lease held (lapsed or not). */
  async list(): Promise<ActLease[]> {
    const rows = await this.db.selectFrom('act_leases').selectAll().execute();
    return rows.map((r) => ({ sessionId: r.session_id, owner: r.relay_owner, until: new Date(this.d.int(r.relay_lease_until_ms)) }));
  }
}
