/**
 * The identity state of the join links (migration 22), both stores through Kysely like
 * act-link-tables.ts: one row per link once the patient starts confirming who they are. Every
 * write is a compare-and-set on `version` (teleconsult/identity-check.ts computes the next state).
 */
import type { ColumnType, Kysely } from 'kysely';
import type { CodeChannel, LinkIdentityRecord } from './link-identity-records.js';
import type { StoreDialect } from './store-dialect.js';

type NullableTime = ColumnType<string | Date | null, string | null, string | null>;

export interface LinkIdentityTable {
  token_sha256: string;
  version: number;
  code_hmac: string | null;
  code_channel: string | null;
  code_sent_at: NullableTime;
  code_expires_at: NullableTime;
  codes_sent: number;
  attempts: number;
  locked_at: NullableTime;
  confirmed_at: NullableTime;
  confirmed_by: string | null;
}

export interface LinkIdentityDatabase {
  act_link_identity: LinkIdentityTable;
}

const channel = (v: string | null): CodeChannel | null => (v === 'sms' || v === 'email' ? v : null);
const by = (v: string | null): LinkIdentityRecord['confirmedBy'] => (v === 'birth-date' || v === 'code' ? v : null);

export class LinkIdentityTables {
  constructor(
    private readonly db: Kysely<LinkIdentityDatabase>,
    private readonly d: StoreDialect,
  ) {}

  async get(tokenSha256: string): Promise<LinkIdentityRecord | null> {
    const r = await this.db.selectFrom('act_link_identity').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
    if (!r) return null;
    const t = (v: string | Date | null) => (v === null ? null : this.d.iso(v));
    return {
      tokenSha256: r.token_sha256,
      version: Number(r.version),
      codeHmac: r.code_hmac,
      codeChannel: channel(r.code_channel),
      codeSentAt: t(r.code_sent_at),
      codeExpiresAt: t(r.code_expires_at),
      codesSent: Number(r.codes_sent),
      attempts: Number(r.attempts),
      lockedAt: t(r.locked_at),
      confirmedAt: t(r.confirmed_at),
      confirmedBy: by(r.confirmed_by),
    };
  }

  /**
   * Writes `next` if the row is still at `next.version - 1` (absent counts as version 0). False: someone
   * else wrote first; the caller reads again and decides again.
   */
  async put(next: LinkIdentityRecord): Promise<boolean> {
    const values = {
      version: next.version,
      code_hmac: next.codeHmac,
      code_channel: next.codeChannel,
      code_sent_at: next.codeSentAt,
      code_expires_at: next.codeExpiresAt,
      codes_sent: next.codesSent,
      attempts: next.attempts,
      locked_at: next.lockedAt,
      confirmed_at: next.confirmedAt,
      confirmed_by: next.confirmedBy,
    };
    if (next.version === 1) {
      const r = await this.db
        .insertInto('act_link_identity')
        .values({ token_sha256: next.tokenSha256, ...values })
        .onConflict((oc) => oc.column('token_sha256').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const r = await this.db
      .updateTable('act_link_identity')
      .set(values)
      .where('token_sha256', '=', next.tokenSha256)
      .where('version', '=', next.version - 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
