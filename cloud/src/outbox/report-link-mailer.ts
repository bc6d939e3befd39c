/**
 * Each signed report version (a first report or a correction) goes out as a download link through the
 * durable outbox (report/links.ts), never as its content, its conclusion nor the patient's name, since
 * an e-mail or an SMS is not a secure channel; the PDF behind the link has them:
 *   - to the referring GP, by e-mail (audience `gp`);
 *   - to the patient, by e-mail and by SMS to their own contact (audience `patient`), only when a date
 *     of birth is on record: the link opens once the patient gives it (routes/report-links.ts), since a
 *     message can be read by someone else at home. A resident of a nursing home without a contact of
 *     their own gets their documents on the cart (the nurse page), not by message.
 * One message per version, audience, channel and address (the idempotency key), so a repeated call adds
 * nothing; one link per message, so each download is audited with its recipient.
 */
import { format, type Lang, report, textsIn } from '@telecart/ui';
import { DEFAULT_LINK_TTL_MS, issueReportLink } from '../report/links.js';
import type { AuditEventInput, CloudStore, OutboxInput } from '../store/cloud-store.js';
import type { ReportVersion } from '../store/report-records.js';
import { whenOf } from './appointment-messages.js';

export interface ReferringGp {
  name: string;
  email: string;
}

/** The patient's own contact, where the patient gets the link to their report. */
export interface PatientContact {
  /** As the message greets them. */
  name: string;
  email?: string | undefined;
  /** E.164, as the SMS transport takes it. */
  phone?: string | undefined;
  /** The record's date of birth (YYYY-MM-DD), which the link asks; without one no link is sent. */
  birthDate: string | null;
}

export interface ReportLinkMailerOptions {
  store: Pick<CloudStore, 'saveReportLink' | 'enqueueOutbox' | 'listReports' | 'latestReportLink'>;
  /** The patient's referring GP, if known: the directory's, else the configuration's patients[].referringGp. */
  gpOf(patientId: string): ReferringGp | undefined | Promise<ReferringGp | undefined>;
  /** The patient's own contact, if any: the directory's (directory/patient-contact.ts), seeded from patients[].telecom. */
  patientOf(patientId: string): PatientContact | undefined | Promise<PatientContact | undefined>;
  /** The outbox's transports: a message goes only by one that is configured. */
  channels: readonly ('email' | 'sms')[];
  /** The origin the recipients open the links on. */
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
export const patientTopic = (versionId: string) => `report-patient:${versionId}`;

/** One message to send: who, by which channel, to which address. */
interface Delivery {
  audience: 'gp' | 'patient';
  channel: 'email' | 'sms';
  to: string;
  name: string;
}

export class ReportLinkMailer {
  private readonly now: () => Date;

  constructor(private readonly o: ReportLinkMailerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /**
   * At start: the versions signed while their link would still be valid whose recipients have no link
   * yet — the cloud stopped between a signature and `signed()` (called after the signature's commit).
   * A link issued but whose message was not enqueued (a crash between those two writes) is not found
   * again: its token is not kept. How many versions had messages enqueued.
   */
  async catchUp(limit = 500): Promise<number> {
    const since = this.now().getTime() - (this.o.ttlMs ?? DEFAULT_LINK_TTL_MS);
    let sent = 0;
    for (const v of await this.o.store.listReports({ limit })) {
      if (v.signature === null || Date.parse(v.signature.at) < since) continue;
      const missing: Delivery[] = [];
      for (const d of await this.deliveries(v.patientId)) if ((await this.o.store.latestReportLink(v.id, d.to)) === null) missing.push(d);
      if (missing.length > 0 && (await this.send(v, missing)) > 0) sent++;
    }
    return sent;
  }

  /** A version was signed: its links go to the patient's GP and to the patient. Resolves how many messages were enqueued. */
  async signed(v: ReportVersion): Promise<number> {
    if (v.status !== 'signed' || v.signature === null) return 0;
    return this.send(v, await this.deliveries(v.patientId));
  }

  /** Who gets this patient's reports, by the channels configured. */
  private async deliveries(patientId: string): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const email = this.o.channels.includes('email');
    const gp = email ? await this.o.gpOf(patientId) : undefined;
    if (gp) out.push({ audience: 'gp', channel: 'email', to: gp.email, name: gp.name });
    const p = await this.o.patientOf(patientId);
    if (p && p.birthDate !== null) {
      if (email && p.email) out.push({ audience: 'patient', channel: 'email', to: p.email, name: p.name });
      if (this.o.channels.includes('sms') && p.phone) out.push({ audience: 'patient', channel: 'sms', to: p.phone, name: p.name });
    }
    return out;
  }

  private async send(v: ReportVersion, deliveries: readonly Delivery[]): Promise<number> {
    const signature = v.signature;
    if (signature === null || deliveries.length === 0) return 0;
    const now = this.now();
    const t = textsIn(report, this.o.lang);
    const messages: OutboxInput[] = [];
    const issued: { d: Delivery; expiresAt: string }[] = [];
    for (const d of deliveries) {
      const link = await issueReportLink({
        store: this.o.store,
        versionId: v.id,
        audience: d.audience,
        recipient: d.to,
        createdBy: 'cloud',
        publicBaseUrl: this.o.publicBaseUrl(),
        now,
        ttlMs: this.o.ttlMs ?? DEFAULT_LINK_TTL_MS,
      });
      const values = {
        gp: d.name,
        patient: d.name,
        signer: signature.name,
        signed: whenOf(signature.at, this.o.timeZone, this.o.lang),
        version: String(v.version),
        expires: whenOf(link.expiresAt, this.o.timeZone, this.o.lang),
        link: link.url,
      };
      const topic = d.audience === 'gp' ? gpTopic(v.id) : patientTopic(v.id);
      const corrected = v.version > 1;
      messages.push({
        idempotencyKey: `${topic}:${d.channel}:${d.to}`,
        topic,
        recipient: d.to,
        payload:
          d.channel === 'sms'
            ? { kind: 'sms', text: `${format(t.patientSms, values)} ${link.url}` }
            : d.audience === 'gp'
              ? { kind: 'email', subject: corrected ? format(t.gpSubjectCorrected, values) : t.gpSubject, text: format(t.gpBody, values) }
              : {
                  kind: 'email',
                  subject: corrected ? format(t.patientSubjectCorrected, values) : t.patientSubject,
                  text: format(t.patientBody, values),
                },
        notBefore: now,
      });
      issued.push({ d, expiresAt: link.expiresAt });
    }
    const added = await this.o.store.enqueueOutbox(messages, now);
    for (const { d, expiresAt } of issued)
      this.o.audit({
        actor: 'cloud',
        actorRole: 'system',
        action: d.audience === 'gp' ? 'report-gp-link' : 'report-patient-link',
        sessionId: v.sessionId,
        patientId: v.patientId,
        detail: `report version ${v.version} link for the ${d.audience === 'gp' ? 'GP' : 'patient'} ${d.to}${d.channel === 'sms' ? ' (SMS)' : ''}, until ${expiresAt}${added === 0 ? ' (already sent)' : ''}`,
      });
    if (added > 0) this.o.onEnqueued();
    return added;
  }
}
