/**
 * The report tables of both stores (migration 13), through Kysely like teleconsult-tables.ts.
 * Every write that could touch a signed version names `status = 'draft'` in its WHERE: a signed
 * row is never matched, and the tables' triggers refuse any other UPDATE or DELETE of one.
 */
import { type ColumnType, type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { VitalReading } from '../vitals/summary.js';
import { clampLimit, clampOffset } from './query.js';
import {
  type NewReportDraft,
  type ReportContent,
  type ReportLinkRecord,
  type ReportQuery,
  type ReportSigning,
  type ReportVersion,
  ReportWriteRefused,
} from './report-records.js';
import type { StoreDialect } from './store-dialect.js';

type Time = ColumnType<string | Date, string, string>;
type NullableTime = ColumnType<string | Date | null, string | null, string | null>;
type Ms = ColumnType<number, number | undefined, number | undefined>;

export interface ReportVersionsTable {
  id: string;
  session_id: string;
  version: number;
  patient_id: string;
  author_id: string;
  status: string;
  content_json: string;
  vitals_json: string;
  created_at: Time;
  created_ms: Ms;
  updated_at: Time;
  signed_at: NullableTime;
  signed_by: string | null;
  signed_name: string | null;
  content_sha256: string | null;
}

export interface ReportLinksTable {
  token_sha256: string;
  version_id: string;
  audience: string;
  recipient: string | null;
  created_by: string;
  created_at: Time;
  /** int8 on PostgreSQL: read back as text. */
  expires_ms: ColumnType<number | string, number, number>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_at: NullableTime;
}

export interface ReportDatabase {
  report_versions: ReportVersionsTable;
  report_links: ReportLinksTable;
}

const signedMessage = (sessionId: string, version: number) =>
  `report version ${version} of act ${sessionId} is signed and cannot be changed: start a correction (a new version)`;

export class ReportTables {
  constructor(
    private readonly db: Kysely<ReportDatabase>,
    private readonly d: StoreDialect,
  ) {}

  async versions(sessionId: string): Promise<ReportVersion[]> {
    if (!this.d.canBeKey(sessionId)) return [];
    const rows = await this.db.selectFrom('report_versions').selectAll().where('session_id', '=', sessionId).orderBy('version').execute();
    return rows.map((r) => this.fromRow(r));
  }

  async get(id: string): Promise<ReportVersion | null> {
    if (!this.d.canBeKey(id)) return null;
    const row = await this.db.selectFrom('report_versions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  /** Version 1, as a draft; refused when the act already has a report. */
  async createDraft(n: NewReportDraft): Promise<ReportVersion> {
    if ((await this.versions(n.sessionId)).length > 0)
      throw new ReportWriteRefused('exists', `act ${n.sessionId} already has a report: edit its draft or correct its signed version`);
    try {
      await this.insert(n, 1);
    } catch (e) {
      // Two first drafts at once: the unique (session_id, version) keeps one.
      if ((await this.versions(n.sessionId)).length > 0)
        throw new ReportWriteRefused('exists', `act ${n.sessionId} already has a report: edit its draft or correct its signed version`);
      throw e;
    }
    return this.mustGet(n.id);
  }

  async updateDraft(sessionId: string, version: number, content: ReportContent, at: string): Promise<ReportVersion> {
    const current = await this.version(sessionId, version);
    if (current === null) throw new ReportWriteRefused('not-found', `act ${sessionId} has no report version ${version}`);
    const r = await this.db
      .updateTable('report_versions')
      .set({ content_json: JSON.stringify(content), updated_at: at })
      .where('id', '=', current.id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new ReportWriteRefused('signed', signedMessage(sessionId, version));
    return this.mustGet(current.id);
  }

  async sign(s: ReportSigning): Promise<ReportVersion> {
    const current = await this.version(s.sessionId, s.version);
    if (current === null) throw new ReportWriteRefused('not-found', `act ${s.sessionId} has no report version ${s.version}`);
    if (current.status === 'signed') throw new ReportWriteRefused('signed', signedMessage(s.sessionId, s.version));
    const frozen: ReportVersion = {
      ...current,
      status: 'signed',
      vitals: s.vitals,
      updatedAt: s.at,
      signature: { by: s.by, name: s.name, at: s.at, contentSha256: '' },
    };
    const sha = s.hash(frozen);
    // The content is the one read above: a draft saved in between makes this match nothing.
    const r = await this.db
      .updateTable('report_versions')
      .set({
        status: 'signed',
        vitals_json: JSON.stringify(s.vitals),
        updated_at: s.at,
        signed_at: s.at,
        signed_by: s.by,
        signed_name: s.name,
        content_sha256: sha,
      })
      .where('id', '=', current.id)
      .where('status', '=', 'draft')
      .where('content_json', '=', JSON.stringify(current.content))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      const now = await this.mustGet(current.id);
      if (now.status === 'signed') throw new ReportWriteRefused('signed', signedMessage(s.sessionId, s.version));
      throw new ReportWriteRefused(
        'draft-exists',
        `report version ${s.version} of act ${s.sessionId} changed while signing: review it and sign again`,
      );
    }
    return this.mustGet(current.id);
  }

  /** Version n+1 as a draft, starting from the newest signed version n (which stays as it is). */
  async correct(sessionId: string, id: string, authorId: string, at: string): Promise<ReportVersion> {
    const all = await this.versions(sessionId);
    const last = all.at(-1);
    if (last === undefined || last.status !== 'signed') {
      throw last === undefined
        ? new ReportWriteRefused('nothing-signed', `act ${sessionId} has no signed report to correct`)
        : new ReportWriteRefused('draft-exists', `act ${sessionId} already has a draft (version ${last.version}): edit and sign it`);
    }
    try {
      await this.insert({ id, sessionId, patientId: last.patientId, authorId, content: last.content, at }, last.version + 1);
    } catch (e) {
      if ((await this.versions(sessionId)).length > all.length)
        throw new ReportWriteRefused(
          'draft-exists',
          `act ${sessionId} already has a draft (version ${last.version + 1}): edit and sign it`,
        );
      throw e;
    }
    return this.mustGet(id);
  }

  /** Links are made to signed versions only. */
  async saveLink(l: ReportLinkRecord): Promise<void> {
    const v = await this.get(l.versionId);
    if (v === null || v.status !== 'signed')
      throw new ReportWriteRefused('not-found', `report version ${l.versionId} is not a signed report: no link is made to a draft`);
    await this.db
      .insertInto('report_links')
      .values({
        token_sha256: l.tokenSha256,
        version_id: l.versionId,
        audience: l.audience,
        recipient: l.recipient,
        created_by: l.createdBy,
        created_at: l.createdAt,
        expires_ms: Date.parse(l.expiresAt),
      })
      .execute();
  }

  async link(tokenSha256: string): Promise<ReportLinkRecord | null> {
    const r = await this.db.selectFrom('report_links').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
    return r ? this.linkOf(r) : null;
  }

  /** The link of this version made for this recipient that expires last (a cart's, found again after a restart). */
  async latestLink(versionId: string, recipient: string): Promise<ReportLinkRecord | null> {
    if (!this.d.canBeKey(versionId)) return null;
    const r = await this.db
      .selectFrom('report_links')
      .selectAll()
      .where('version_id', '=', versionId)
      .where('recipient', '=', recipient)
      .orderBy('expires_ms', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? this.linkOf(r) : null;
  }

  /**
   * A wrong answer on a patient's link (the date of birth): counted in one statement, so two guesses at
   * once count as two; the `max`-th locks it. The count and lock as they are now; null for an unknown or
   * already locked link (nothing counted).
   */
  async missLink(tokenSha256: string, at: Date, max: number): Promise<{ failedAttempts: number; lockedAt: string | null } | null> {
    // PostgreSQL types a bare parameter in a CASE as text: the lock's time is cast to the column's type there.
    const lockAt = this.d.kind === 'postgres' ? sql<string>`${at.toISOString()}::timestamptz` : sql<string>`${at.toISOString()}`;
    const r = await this.db
      .updateTable('report_links')
      .set((eb) => ({
        failed_attempts: eb('failed_attempts', '+', 1),
        locked_at: eb
          .case()
          .when('failed_attempts', '>=', max - 1)
          .then(lockAt)
          .else(null)
          .end(),
      }))
      .where('token_sha256', '=', tokenSha256)
      .where('locked_at', 'is', null)
      .returning(['failed_attempts', 'locked_at'])
      .executeTakeFirst();
    return r ? { failedAttempts: this.d.int(r.failed_attempts), lockedAt: r.locked_at === null ? null : this.d.iso(r.locked_at) } : null;
  }

  private linkOf(r: Selectable<ReportLinksTable>): ReportLinkRecord {
    return {
      tokenSha256: r.token_sha256,
      versionId: r.version_id,
      audience: r.audience === 'gp' || r.audience === 'cart' ? r.audience : 'patient',
      recipient: r.recipient,
      createdBy: r.created_by,
      createdAt: this.d.iso(r.created_at),
      expiresAt: new Date(this.d.int(r.expires_ms)).toISOString(),
      failedAttempts: this.d.int(r.failed_attempts),
      lockedAt: r.locked_at === null ? null : this.d.iso(r.locked_at),
    };
  }

  /** Signed versions only. */
  async list(q: ReportQuery): Promise<ReportVersion[]> {
    if (q.sessionId !== undefined && !this.d.canBeKey(q.sessionId)) return [];
    const created = this.d.timeRef('created_at', 'created_ms');
    const rows = await this.db
      .selectFrom('report_versions as r')
      .selectAll('r')
      .where((eb) => {
        const conds: Expression<SqlBool>[] = [eb('r.status', '=', 'signed')];
        if (q.patientId !== undefined) conds.push(eb('r.patient_id', '=', q.patientId));
        if (q.sessionId !== undefined) conds.push(eb('r.session_id', '=', q.sessionId));
        if (q.currentOnly === true)
          conds.push(
            eb.not(
              eb.exists(
                eb
                  .selectFrom('report_versions as n')
                  .select('n.id')
                  .whereRef('n.session_id', '=', 'r.session_id')
                  .whereRef('n.version', '>', 'r.version')
                  .where('n.status', '=', 'signed'),
              ),
            ),
          );
        return eb.and(conds);
      })
      .orderBy(created, 'desc')
      .orderBy('r.version', 'desc')
      .limit(clampLimit(q.limit))
      .offset(clampOffset(q.offset))
      .execute();
    return rows.map((r) => this.fromRow(r));
  }

  private async version(sessionId: string, version: number): Promise<ReportVersion | null> {
    if (!this.d.canBeKey(sessionId) || !Number.isSafeInteger(version)) return null;
    const row = await this.db
      .selectFrom('report_versions')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  private async insert(n: NewReportDraft, version: number): Promise<void> {
    await this.db
      .insertInto('report_versions')
      .values({
        id: n.id,
        session_id: n.sessionId,
        version,
        patient_id: n.patientId,
        author_id: n.authorId,
        status: 'draft',
        content_json: JSON.stringify(n.content),
        vitals_json: '[]',
        created_at: n.at,
        created_ms: this.d.ms(n.at),
        updated_at: n.at,
        signed_at: null,
        signed_by: null,
        signed_name: null,
        content_sha256: null,
      })
      .execute();
  }

  private async mustGet(id: string): Promise<ReportVersion> {
    const v = await this.get(id);
    if (v === null) throw new Error(`report version ${id} vanished`);
    return v;
  }

  private fromRow(r: Selectable<ReportVersionsTable>): ReportVersion {
    const d = this.d;
    const signature =
      r.status === 'signed' && r.signed_at !== null && r.signed_by !== null && r.content_sha256 !== null
        ? { by: r.signed_by, name: r.signed_name ?? r.signed_by, at: d.iso(r.signed_at), contentSha256: r.content_sha256 }
        : null;
    return {
      id: r.id,
      sessionId: r.session_id,
      version: Number(r.version),
      patientId: r.patient_id,
      authorId: r.author_id,
      status: r.status === 'signed' ? 'signed' : 'draft',
      content: JSON.parse(r.content_json) as ReportContent,
      vitals: JSON.parse(r.vitals_json) as VitalReading[],
      createdAt: d.iso(r.created_at),
      updatedAt: d.iso(r.updated_at),
      signature,
    };
  }
}
