/**
 * The report rules between the HTTP routes and the store: who may read and write an act's report,
 * the act's patient as the cloud knows it, the vitals frozen at signing. Every decision returns or
 * throws; the routes turn a refusal into its status code and an audit line.
 */
import { randomUUID } from 'node:crypto';
import type { CloudStore } from '../store/cloud-store.js';
import { type ReportContent, type ReportVersion, ReportWriteRefused } from '../store/report-records.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { actVitals } from './act-vitals.js';
import { reportSha256, unsignableBecause } from './content.js';

export interface ReportActor {
  id: string;
  name: string;
  /** Auditors read every act's report; they write none. */
  audit: boolean;
}

export type ReportFailure = 'no-act' | 'forbidden' | 'no-patient' | 'incomplete';

/** A request the rules refuse before the store is asked (unknown act, not the act's specialist, …). */
export class ReportRequestRefused extends Error {
  constructor(
    readonly reason: ReportFailure,
    message: string,
    readonly act: TeleconsultationRecord | null = null,
  ) {
    super(message);
    this.name = 'ReportRequestRefused';
  }
}

export interface ReportServiceOptions {
  store: CloudStore;
  /** Whether this specialist's carts include this gateway (SpecialistDirectory.maySee). */
  maySee(specialistId: string, gatewayId: string): boolean;
  now?: () => Date;
  newId?: () => string;
}

export interface ActReport {
  act: TeleconsultationRecord;
  /** The cloud's id of the act's patient. */
  patientId: string;
  versions: ReportVersion[];
  /** Whether this reader may write it (the act's specialist). */
  editable: boolean;
}

export class ReportService {
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly o: ReportServiceOptions) {
    this.now = o.now ?? (() => new Date());
    this.newId = o.newId ?? randomUUID;
  }

  async read(sessionId: string, who: ReportActor): Promise<ActReport> {
    const act = await this.visibleAct(sessionId, who);
    const patientId = await this.patientOf(act);
    return { act, patientId, versions: await this.o.store.reportVersions(sessionId), editable: act.specialistId === who.id };
  }

  async create(sessionId: string, who: ReportActor, content: ReportContent): Promise<ReportVersion> {
    const act = await this.writableAct(sessionId, who);
    const patientId = await this.patientOf(act);
    return this.o.store.createReportDraft({
      id: this.newId(),
      sessionId,
      patientId,
      authorId: who.id,
      content,
      at: this.now().toISOString(),
    });
  }

  async update(sessionId: string, version: number, who: ReportActor, content: ReportContent): Promise<ReportVersion> {
    await this.writableAct(sessionId, who);
    return this.o.store.updateReportDraft(sessionId, version, content, this.now().toISOString());
  }

  async sign(sessionId: string, version: number, who: ReportActor): Promise<ReportVersion> {
    const act = await this.writableAct(sessionId, who);
    const draft = (await this.o.store.reportVersions(sessionId)).find((v) => v.version === version);
    if (draft === undefined) throw new ReportWriteRefused('not-found', `act ${sessionId} has no report version ${version}`);
    if (draft.status === 'draft') {
      const why = unsignableBecause(draft.content);
      if (why !== null) throw new ReportRequestRefused('incomplete', why, act);
    }
    const now = this.now();
    const vitals = await actVitals(this.o.store, act, draft.patientId, now);
    return this.o.store.signReport({ sessionId, version, vitals, by: who.id, name: who.name, at: now.toISOString(), hash: reportSha256 });
  }

  async correct(sessionId: string, who: ReportActor): Promise<ReportVersion> {
    await this.writableAct(sessionId, who);
    return this.o.store.correctReport(sessionId, this.newId(), who.id, this.now().toISOString());
  }

  /** A signed version and its act, if this reader may see the act. */
  async signedVersion(
    sessionId: string,
    version: number,
    who: ReportActor,
  ): Promise<{ act: TeleconsultationRecord; version: ReportVersion }> {
    const act = await this.visibleAct(sessionId, who);
    const v = (await this.o.store.reportVersions(sessionId)).find((x) => x.version === version && x.status === 'signed');
    if (v === undefined) throw new ReportWriteRefused('not-found', `act ${sessionId} has no signed report version ${version}`);
    return { act, version: v };
  }

  private async visibleAct(sessionId: string, who: ReportActor): Promise<TeleconsultationRecord> {
    const act = await this.o.store.getTeleconsultation(sessionId);
    // An act of another cart is answered as unknown: its existence is not told.
    if (act === null || !(who.audit || this.o.maySee(who.id, act.gatewayId)))
      throw new ReportRequestRefused('no-act', `no teleconsultation ${sessionId} among your carts' acts`);
    return act;
  }

  private async writableAct(sessionId: string, who: ReportActor): Promise<TeleconsultationRecord> {
    const act = await this.visibleAct(sessionId, who);
    if (act.specialistId !== who.id)
      throw new ReportRequestRefused(
        'forbidden',
        `only the act's specialist (${act.specialistId ?? 'nobody joined'}) writes its report`,
        act,
      );
    return act;
  }

  private async patientOf(act: TeleconsultationRecord): Promise<string> {
    const id = (await this.o.store.servedPatients(act.gatewayId, [act.patientId])).get(act.patientId);
    if (id === undefined)
      throw new ReportRequestRefused(
        'no-patient',
        `the act's patient '${act.patientId}' is not a patient the cloud assigns to ${act.gatewayId}: a report needs an identified patient`,
        act,
      );
    return id;
  }
}
