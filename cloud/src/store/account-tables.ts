/** The accounts table of both stores (migration 17), through Kysely like act-link-tables.ts. */
import type { ColumnType, Kysely, Selectable } from 'kysely';
import { isRole } from '../auth/permissions.js';
import type { AccountRecord } from './account-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
/** Lists are kept as JSON text on both stores. */
type JsonList = ColumnType<string, string, string>;

export interface AccountsTable {
  id: string;
  name: string;
  role: string;
  rpps: string | null;
  email: string | null;
  phone: string | null;
  sites_json: JsonList;
  gateways_json: JsonList;
  specialty: string | null;
  /** 0 or 1 on both stores (SQLite binds no booleans). */
  audit: number;
  password_hash: string | null;
  token_sha256: string | null;
  totp: string | null;
  oidc_subject: string | null;
  source: string;
  disabled_at: NullableTime;
  created_at: Time;
  updated_at: Time;
}

export interface AccountDatabase {
  accounts: AccountsTable;
}

function stringList(json: string, what: string): string[] {
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`accounts: ${what} is not a list of strings`);
  return v;
}

export class AccountTables {
  constructor(
    private readonly db: Kysely<AccountDatabase>,
    private readonly d: StoreDialect,
  ) {}

  /** Inserts the account or replaces every field but its creation time. */
  async save(a: AccountRecord): Promise<void> {
    const row = {
      id: a.id,
      name: a.name,
      role: a.role,
      rpps: a.rpps,
      email: a.email,
      phone: a.phone,
      sites_json: JSON.stringify(a.sites),
      gateways_json: JSON.stringify(a.gateways),
      specialty: a.specialty,
      audit: a.audit ? 1 : 0,
      password_hash: a.passwordHash,
      token_sha256: a.tokenSha256,
      totp: a.totp,
      oidc_subject: a.oidcSubject,
      source: a.source,
      disabled_at: a.disabledAt,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    };
    const { id: _id, created_at: _created, ...update } = row;
    await this.db
      .insertInto('accounts')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(update))
      .execute();
  }

  async get(id: string): Promise<AccountRecord | null> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.record(r) : null;
  }

  /** Every account, by id. */
  async list(): Promise<AccountRecord[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map((r) => this.record(r));
  }

  private record(r: Selectable<AccountsTable>): AccountRecord {
    if (!isRole(r.role)) throw new Error(`accounts: ${r.id} has an unknown role ${JSON.stringify(r.role)}`);
    return {
      id: r.id,
      name: r.name,
      role: r.role,
      rpps: r.rpps,
      email: r.email,
      phone: r.phone,
      sites: stringList(r.sites_json, `${r.id}'s sites`),
      gateways: stringList(r.gateways_json, `${r.id}'s gateways`),
      specialty: r.specialty,
      audit: Number(r.audit) === 1,
      passwordHash: r.password_hash,
      tokenSha256: r.token_sha256,
      totp: r.totp,
      oidcSubject: r.oidc_subject,
      source: r.source === 'admin' ? 'admin' : 'config',
      disabledAt: r.disabled_at === null ? null : this.d.iso(r.disabled_at),
      createdAt: this.d.iso(r.created_at),
      updatedAt: this.d.iso(r.updated_at),
    };
  }
}
