/**
 * What differs between the SQLite and the PostgreSQL store for the tables both reach through
 * Kysely (teleconsult-tables.ts, alert-tables.ts): how a time is kept and compared, how a list
 * parameter is matched, uuid keys, bigint columns. Everything else is the same query text.
 *
 * SQLite keeps each time as the ISO text it was given plus an epoch-ms twin column (`*_ms`) that
 * the indexes and comparisons use; PostgreSQL keeps a timestamptz and hands back a Date.
 */
import type Database from 'better-sqlite3';
import { type Expression, Kysely, PostgresDialect, type RawBuilder, type SqlBool, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import { gatewayLike } from './teleconsult-records.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Whether `id` can name a row of a uuid-keyed column. PostgreSQL types these columns uuid and
   * would refuse the query; SQLite keeps text, so any id is looked up.
   */
  canBeKey(id: string): boolean;
  /** ISO text of a stored time: SQLite's text as written, PostgreSQL's Date. */
  iso(v: string | Date): string;
  /** The epoch-ms twin of a written ISO time (SQLite), or undefined: no such column (PostgreSQL). */
  ms(iso: string): number | undefined;
  /** The column a time bound or order compares: the twin `msColumn` on SQLite, `isoColumn` on PostgreSQL. */
  timeRef(isoColumn: string, msColumn: string): RawBuilder<unknown>;
  /** A time bound's value, as timeRef's column holds it. */
  time(d: Date): number | Date;
  /** A bigint column's value (PostgreSQL hands int8 back as text). */
  int(v: number | string): number;
  /** `column` is one of `values`, as one parameter whatever the list's length ([] matches nothing). */
  inList(column: string, values: readonly string[]): Expression<SqlBool>;
  /** `column` matches one of the `*` patterns ([] matches nothing). */
  matchesAny(column: string, patterns: readonly string[]): Expression<SqlBool>;
}

const iso = (v: string | Date): string => (typeof v === 'string' ? v : v.toISOString());

export const sqliteDialect: StoreDialect = {
  kind: 'sqlite',
  canBeKey: () => true,
  iso,
  ms: (iso) => Date.parse(iso),
  timeRef: (_iso, ms) => sql.ref(ms),
  time: (d) => d.getTime(),
  int: (v) => Number(v),
  // json_each: one statement text and one parameter for any length (no variable-count limit).
  inList: (column, values) => sql<SqlBool>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  // Ids cannot hold GLOB's other special characters (? [ ]), so a `*` pattern is a GLOB as written.
  matchesAny: (column, patterns) =>
    patterns.length === 0
      ? sql<SqlBool>`0`
      : sql<SqlBool>`(${sql.join(
          patterns.map((p) => sql`${sql.ref(column)} GLOB ${p}`),
          sql` OR `,
        )})`,
};

export const postgresDialect: StoreDialect = {
  kind: 'postgres',
  canBeKey: (id) => UUID.test(id),
  iso,
  ms: () => undefined,
  timeRef: (iso) => sql.ref(iso),
  time: (d) => d,
  int: (v) => Number(v),
  inList: (column, values) => sql<SqlBool>`${sql.ref(column)} = ANY(${values}::text[])`,
  matchesAny: (column, patterns) => sql<SqlBool>`${sql.ref(column)} LIKE ANY(${patterns.map(gatewayLike)}::text[])`,
};

/** Prepared statements kept per SQL text; the texts are few (one per filter combination), this bounds them anyway. */
const MAX_CACHED_STATEMENTS = 256;

/**
 * A Kysely over the SQLite store's own connection (same file, same pragmas, same migrations). Its
 * driver prepares every statement anew (75 µs for a SELECT on the loaded bench machine): here each
 * SQL text is prepared once. Closing is the store's: Kysely's destroy() would leave the file open.
 */
export function sqliteKysely<DB>(db: Database.Database): Kysely<DB> {
  const statements = new Map<string, Database.Statement>();
  const database = {
    close: () => undefined,
    prepare(text: string): Database.Statement {
      let s = statements.get(text);
      if (s === undefined) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        s = db.prepare(text);
        statements.set(text, s);
      }
      return s;
    },
  };
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
}

/**
 * A Kysely over the PostgreSQL store's pool (its connections already carry the store's settings
 * and search_path). Never destroyed: the store ends the pool itself.
 */
export function postgresKysely<DB>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
