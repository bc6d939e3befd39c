/**
 * The referring GP is told of each signed report version (a first report or a correction) by an
 * e-mail through the durable outbox carrying a download link to that version (report/links.ts,
 * audience `gp`): never the report's content, its conclusion nor the patient's name, since an
 * e-mail is not a secure channel; the PDF behind the link has them. One message per version and
 * address (the idempotency key), so a repeated call adds nothing.
 */
import { format, type Lang, report, textsIn } from '@telecart/ui';
import { DEFAULT_LINK_TTL_MS, issueReportLink } from '../report/links.js';
import type { AuditEventInput, CloudStore } from '../store/cloud-store.js';
import type { ReportVersion } from '../store/report-records.js';
import { whenOf } from './appointment-messages.js';

export interface ReferringGp {
  name: string;
  email: string;
}

export interface ReportGpMailerOptions {
  store: Pick<CloudStore, 'saveReportLink' | 'enqueueOutbox' | 'listReports' | 'latestReportLink'>;
  /** The patient's referring GP, if known: the directory's, else the configuration's patients[].referringGp. */
  gpOf(patientId: string): ReferringGp | undefined | Promise<ReferringGp | undefined>;
  /** The origin the GP opens the link on. */
  publicBaseUrl(): string;
  audit(e: Omit<AuditEventInput, 'at'>): void;
  /** Told when a message was enqueued (the outbox sender). */
  onEnqueued(): void;
  lang: Lang;
  timeZone: string;
  ttlMs?: number;
  now?: () => Date;
}

export const gpTopic = (versionId: string) => `report-gp:${versionId}`;

export class ReportGpMailer {
  private readonly now: () => Date;

  constructor(private readonly o: ReportGpMailerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /**
   * At start: the versions signed while the link was still valid whose GP has no link yet — the
   * cloud stopped between a signature and `signed()` (called after the signature's commit). A link
   * issued but whose mail was not enqueued (a crash between those two writes) is not found again:
   * its token is not kept. How many were enqueued.
   */
  async catchUp(limit = 500): Promise<number> {
    const since = this.now().getTime() - (this.o.ttlMs ?? DEFAULT_LINK_TTL_MS);
    let sent = 0;
    for (const v of await this.o.store.listReports({ limit })) {
      if (v.signature === null || Date.parse(v.signature.at) < since) continue;
      const gp = await this.o.gpOf(v.patientId);
      if (gp === undefined || (await this.o.store.latestReportLink(v.id, gp.email)) !== null) continue;
      if (await this.signed(v)) sent++;
    }
    return sent;
  }

  /** A version was signed: its link goes to the patient's GP. Resolves false when the patient has none. */
  async signed(v: ReportVersion): Promise<boolean> {
    const gp = await this.o.gpOf(v.patientId);
    if (gp === undefined || v.status !== 'signed' || v.signature === null) return false;
    const now = this.now();
    const link = await issueReportLink({
      store: this.o.store,
      versionId: v.id,
      audience: 'gp',
      recipient: gp.email,
      createdBy: 'cloud',
      publicBaseUrl: this.o.publicBaseUrl(),
      now,
      ttlMs: this.o.ttlMs ?? DEFAULT_LINK_TTL_MS,
    });
    const t = textsIn(report, this.o.lang);
    const values = {
      gp: gp.name,
      signer: v.signature.name,
      signed: whenOf(v.signature.at, this.o.timeZone, this.o.lang),
      version: String(v.version),
      expires: whenOf(link.expiresAt, this.o.timeZone, this.o.lang),
      link: link.url,
    };
    const added = await this.o.store.enqueueOutbox(
      [
        {
          idempotencyKey: `${gpTopic(v.id)}:email:${gp.email}`,
          topic: gpTopic(v.id),
          recipient: gp.email,
          payload: {
            kind: 'email',
            subject: v.version > 1 ? format(t.gpSubjectCorrected, values) : t.gpSubject,
            text: format(t.gpBody, values),
          },
          notBefore: now,
        },
      ],
      now,
    );
    this.o.audit({
      actor: 'cloud',
      actorRole: 'system',
      action: 'report-gp-link',
      sessionId: v.sessionId,
      patientId: v.patientId,
      detail: `report version ${v.version} link for the GP ${gp.email}, until ${link.expiresAt}${added === 0 ? ' (already sent)' : ''}`,
    });
    if (added > 0) this.o.onEnqueued();
    return true;
  }
}
