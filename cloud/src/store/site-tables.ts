/**
 * The sites and on-call teams of both stores (migration 24), through Kysely like account-tables.ts.
 * A team is kept as one JSON document (the alertNotifications.teams[] schema), checked on every
 * read: a row that no longer fits is refused with its id, never half-used.
 */
import { compile, formatIssues } from '@telecart/protocol';
import type { ColumnType, Insertable, Kysely, Selectable } from 'kysely';
import { NotifyTeam } from '../alerts/notify/config.js';
import { Telecom } from '../teleconsult/config.js';
import { type OncallTeamRecord, SITE_KINDS, type SiteKind, type SiteRecord } from './site-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type Json = ColumnType<string, string, string>;

export interface SitesTable {
  id: string;
  name: string;
  kind: string;
  gateways_json: Json;
  contact_json: string | null;
  acr_accept_json: Json;
  source: string;
  created_at: Time;
  updated_at: Time;
}

export interface OncallTeamsTable {
  id: string;
  team_json: Json;
  source: string;
  updated_at: Time;
}

export interface SiteDatabase {
  sites: SitesTable;
  oncall_teams: OncallTeamsTable;
}

const checkTeam = compile(NotifyTeam);
const checkContact = compile(Telecom);
const isKind = (v: string): v is SiteKind => (SITE_KINDS as readonly string[]).includes(v);

export class SiteTables {
  constructor(
    private readonly db: Kysely<SiteDatabase>,
    private readonly d: StoreDialect,
  ) {}

  private siteRow(s: SiteRecord): Insertable<SitesTable> {
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      gateways_json: JSON.stringify(s.gateways),
      contact_json: s.contact === null ? null : JSON.stringify(s.contact),
      acr_accept_json: JSON.stringify(s.acrAccept),
      source: s.source,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  }

  /** Inserts the site or replaces every field but its creation time. */
  async saveSite(s: SiteRecord): Promise<void> {
    const row = this.siteRow(s);
    const { id: _id, created_at: _c, ...update } = row;
    await this.db
      .insertInto('sites')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(update))
      .execute();
  }

  /** Inserts the sites the store does not have; a stored site is left as it is. Returns the ids added. */
  async seedSites(sites: readonly SiteRecord[]): Promise<string[]> {
    const added: string[] = [];
    for (const s of sites) {
      const r = await this.db
        .insertInto('sites')
        .values(this.siteRow(s))
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) added.push(s.id);
    }
    return added;
  }

  async getSite(id: string): Promise<SiteRecord | null> {
    const r = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.site(r) : null;
  }

  /** Every site, in creation order (the configuration's first). */
  async listSites(): Promise<SiteRecord[]> {
    const rows = await this.db.selectFrom('sites').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => this.site(r));
  }

  async saveTeam(t: OncallTeamRecord): Promise<void> {
    const row = { id: t.team.id, team_json: JSON.stringify(t.team), source: t.source, updated_at: t.updatedAt };
    const { id: _id, ...update } = row;
    await this.db
      .insertInto('oncall_teams')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(update))
      .execute();
  }

  /** Inserts the teams the store does not have; a stored team is left as it is. Returns the ids added. */
  async seedTeams(teams: readonly OncallTeamRecord[]): Promise<string[]> {
    const added: string[] = [];
    for (const t of teams) {
      const r = await this.db
        .insertInto('oncall_teams')
        .values({ id: t.team.id, team_json: JSON.stringify(t.team), source: t.source, updated_at: t.updatedAt })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) added.push(t.team.id);
    }
    return added;
  }

  async deleteTeam(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('oncall_teams').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Every team, by id. */
  async listTeams(): Promise<OncallTeamRecord[]> {
    const rows = await this.db.selectFrom('oncall_teams').selectAll().orderBy('id').execute();
    return rows.map((r) => {
      const v = checkTeam.validate(JSON.parse(r.team_json));
      if (!v.ok) throw new Error(`oncall_teams: ${r.id} does not fit the team schema: ${formatIssues(v.issues)}`);
      return { team: v.value, source: r.source === 'admin' ? 'admin' : 'config', updatedAt: this.d.iso(r.updated_at) };
    });
  }

  private site(r: Selectable<SitesTable>): SiteRecord {
    if (!isKind(r.kind)) throw new Error(`sites: ${r.id} has an unknown kind ${JSON.stringify(r.kind)}`);
    const gateways: unknown = JSON.parse(r.gateways_json);
    if (!Array.isArray(gateways) || !gateways.every((g) => typeof g === 'string'))
      throw new Error(`sites: ${r.id}'s carts are not a list of strings`);
    let contact: SiteRecord['contact'] = null;
    if (r.contact_json !== null) {
      const v = checkContact.validate(JSON.parse(r.contact_json));
      if (!v.ok) throw new Error(`sites: ${r.id}'s contact does not fit: ${formatIssues(v.issues)}`);
      contact = v.value;
    }
    const acrAccept: unknown = JSON.parse(r.acr_accept_json);
    if (!Array.isArray(acrAccept) || !acrAccept.every((a) => typeof a === 'string'))
      throw new Error(`sites: ${r.id}'s authentication policy is not a list of acr values`);
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      gateways,
      contact,
      acrAccept,
      source: r.source === 'admin' ? 'admin' : 'config',
      createdAt: this.d.iso(r.created_at),
      updatedAt: this.d.iso(r.updated_at),
    };
  }
}
