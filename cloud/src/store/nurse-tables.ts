/** The nurse credentials table of both stores (migration 20), through Kysely like act-link-tables.ts. */

import { Type } from '@sinclair/typebox';
import { compile, formatIssues, PinVerifier } from '@telecart/protocol';
import type { ColumnType, Kysely } from 'kysely';
import type { NurseProfile, NurseRecord } from './nurse-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;

export interface NurseCredentialsTable {
  account_id: string;
  name: string;
  badge_sha256: string | null;
  /** JSON array of gateway patterns. */
  gateways: string;
  /** JSON of the protocol's PinVerifier. */
  pin_verifier: string | null;
  pin_set_at: NullableTime;
  updated_at: Time;
}

export interface NurseDatabase {
  nurse_credentials: NurseCredentialsTable;
}

const checkPin = compile(PinVerifier);
const checkGateways = compile(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 }));

export class NurseTables {
  constructor(
    private readonly db: Kysely<NurseDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** Creates or updates the nurse's name, badge and carts; a PIN already chosen is kept. */
  async save(n: NurseProfile, at: Date): Promise<void> {
    const row = {
      name: n.name,
      badge_sha256: n.badgeSha256,
      gateways: JSON.stringify(n.gateways),
      updated_at: at.toISOString(),
    };
    await this.db
      .insertInto('nurse_credentials')
      .values({ account_id: n.accountId, ...row, pin_verifier: null, pin_set_at: null })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(row))
      .execute();
  }

  /** Sets the nurse's PIN verifier; false when the nurse is unknown. */
  async setPin(accountId: string, pin: NurseRecord['pin'], at: Date): Promise<boolean> {
    if (pin !== null) {
      const v = checkPin.validate(pin);
      if (!v.ok) throw new Error(`nurse ${accountId}: not a PIN verifier: ${formatIssues(v.issues)}`);
    }
    const r = await this.db
      .updateTable('nurse_credentials')
      .set({
        pin_verifier: pin === null ? null : JSON.stringify(pin),
        pin_set_at: pin === null ? null : at.toISOString(),
        updated_at: at.toISOString(),
      })
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(accountId: string): Promise<NurseRecord | null> {
    const r = await this.db.selectFrom('nurse_credentials').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    return r ? this.decode(r) : null;
  }

  async list(): Promise<NurseRecord[]> {
    const rows = await this.db.selectFrom('nurse_credentials').selectAll().orderBy('account_id').execute();
    return rows.map((r) => this.decode(r));
  }

  async remove(accountId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('nurse_credentials').where('account_id', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Rows are written by save/setPin only, checked there; a row that does not read back is an error to see. */
  private decode(r: {
    account_id: string;
    name: string;
    badge_sha256: string | null;
    gateways: string;
    pin_verifier: string | null;
    pin_set_at: string | Date | null;
  }): NurseRecord {
    const gateways = checkGateways.validate(JSON.parse(r.gateways));
    if (!gateways.ok) throw new Error(`nurse ${r.account_id}: stored carts unreadable: ${formatIssues(gateways.issues)}`);
    let pin: NurseRecord['pin'] = null;
    if (r.pin_verifier !== null) {
      const v = checkPin.validate(JSON.parse(r.pin_verifier));
      if (!v.ok) throw new Error(`nurse ${r.account_id}: stored PIN verifier unreadable: ${formatIssues(v.issues)}`);
      pin = v.value;
    }
    return {
      accountId: r.account_id,
      name: r.name,
      badgeSha256: r.badge_sha256,
      gateways: gateways.value,
      pin,
      pinSetAt: r.pin_set_at === null ? null : this.d.iso(r.pin_set_at),
    };
  }
}
