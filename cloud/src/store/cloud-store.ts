/**
 * The cloud store contract. Promise-returning so a PostgreSQL store can implement it
 * with the same tests as the SQLite one; every method validates nothing itself: callers
 * hand it payloads that already passed protocol validation.
 */

import type { GatewayStatus, Observation, ObservationBatch } from '@telecart/protocol';
import type { StoredLogin, StoredLoginState } from '../teleconsult/logins.js';
import type { AccountRecord } from './account-records.js';
import type { ActLeaseStore } from './act-lease-tables.js';
import type { ActLinkRecord } from './act-link-records.js';
import type { ActRoomStore } from './act-room-tables.js';
import type { AckResult, AlertPage, AlertQuery, AlertRecord, AlertTrigger } from './alert-records.js';
import type {
  AppointmentBooking,
  AppointmentClaim,
  AppointmentQuery,
  AppointmentRecord,
  BookResult,
  ChangeResult,
} from './appointment-records.js';
import type { DeviceUserStore } from './device-user-tables.js';
import type {
  Admission,
  DirectoryPatient,
  DirectoryResult,
  IdentityFields,
  LikelyDuplicate,
  NewDirectoryPatient,
  PatientMovement,
} from './directory-records.js';
import type { EndEnrolmentResult, EnrolmentRecord, EnrolResult, NewEnrolment } from './enrolment-records.js';
import type { HomeActMediaStore } from './home-act-media-tables.js';
import type { InstanceChannel, InstanceChannelEvents } from './instance-channel.js';
import type { LinkIdentityRecord } from './link-identity-records.js';
import type { NurseProfile, NurseRecord } from './nurse-records.js';
import type {
  AlertEscalation,
  EscalationStep,
  OutboxInput,
  OutboxLease,
  OutboxMessage,
  OutboxQuery,
  OutboxSettlement,
  OutboxStatus,
} from './outbox-records.js';
import type { PatientContactStore } from './patient-contact-tables.js';
import type { ReferringGpStore } from './referring-gp-tables.js';
import type { NewReportDraft, ReportContent, ReportLinkRecord, ReportQuery, ReportSigning, ReportVersion } from './report-records.js';
import type { UnreadableRowCounts } from './row-decoder.js';
import type { OncallTeamRecord, SiteRecord } from './site-records.js';
import type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  RelayState,
  TeleconsultationQuery,
  TeleconsultationRecord,
} from './teleconsult-records.js';
import type { ThrottleDecide } from './throttle-records.js';

export type { AckResult, AlertPage, AlertQuery, AlertRecord, AlertSeverity, AlertStatus, AlertTrigger } from './alert-records.js';
export type {
  AppointmentBooking,
  AppointmentClaim,
  AppointmentQuery,
  AppointmentRecord,
  BookResult,
  ChangeResult,
} from './appointment-records.js';
export type {
  Admission,
  DirectoryPatient,
  DirectoryResult,
  IdentityFields,
  IdentityStatus,
  LikelyDuplicate,
  MovementKind,
  NewDirectoryPatient,
  PatientMovement,
} from './directory-records.js';
export type {
  AlertEscalation,
  EscalationStep,
  OutboxInput,
  OutboxLease,
  OutboxMessage,
  OutboxPayload,
  OutboxQuery,
  OutboxSettlement,
  OutboxStatus,
} from './outbox-records.js';
export type {
  AuditActorRole,
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  TeleconsultationQuery,
  TeleconsultationRecord,
} from './teleconsult-records.js';
export type { ThrottleChange, ThrottleDecide, ThrottleRow } from './throttle-records.js';

/** A patient the cloud knows: from configuration (name, birth date) or first seen on a reading. */
export interface PatientSeed {
  id: string;
  /** INS matricule (NIR), when known. */
  ins?: string;
  /** OID of the INS kind (1.2.250.1.213.1.4.8 NIR, .9 NIA, .10 test NIR, .11 demo NIA). */
  insOid?: string;
  family: string;
  given: string;
  /** YYYY-MM-DD */
  birthDate?: string;
  /** Carts or home kits that serve this patient: the only gateways whose readings of it are stored, and whose clinicians see it. Replaces the stored list. */
  gateways?: readonly string[];
  /**
   * What these gateways call the patient on their readings (default: `id`). A gateway's local id
   * names one patient: linking it to this one takes it from any patient it named before.
   */
  localId?: string;
}

export interface PatientRecord {
  id: string;
  ins: string | null;
  insOid: string | null;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  /** 'configured' when seeded from configuration, 'observed' when only known from readings. */
  source: 'configured' | 'observed';
  lastObservationAt: string | null;
}

export interface RejectedReading {
  seq: number;
  reason: string;
}

export interface StoreBatchResult {
  /** Every seq now durably stored: newly inserted or already there (duplicates). */
  storedSeqs: number[];
  /** How many of `storedSeqs` were already stored (same id, or same content key). */
  duplicates: number;
  rejected: RejectedReading[];
  /** The observations this call inserted, in batch order (for live updates and alert rules). */
  inserted: Observation[];
}

export interface ObservationQuery {
  patientId?: string;
  /** LOINC code, or any of several. */
  loinc?: string | readonly string[];
  /** IEEE 11073-10101 code, or any of several. */
  mdc?: number | readonly number[];
  /** Inclusive lower bound on the effective time. */
  from?: Date;
  /** Inclusive upper bound on the effective time. */
  to?: Date;
}

export interface ObservationPage extends ObservationQuery {
  limit?: number;
  offset?: number;
}

export interface GatewayRecord {
  gatewayId: string;
  online: boolean;
  /** When the gateway said it (status.at). */
  statusAt: string | null;
  version: string | null;
  backlog: GatewayStatus['backlog'] | null;
  devices: GatewayStatus['devices'] | null;
  /** When the cloud last received a status from it. */
  statusReceivedAt: string | null;
  /** When the cloud last stored a batch from it. */
  lastBatchAt: string | null;
}

/** A stored reading the alert engine has not judged yet (migration 8). */
export interface PendingJudgement {
  /** Position in the queue: store order. */
  queueId: number;
  observationId: string;
  patientId: string;
}

/** What the evaluation of a queued reading found: the alerts to open or update (often none). */
export interface Judgement {
  queueId: number;
  triggers: readonly AlertTrigger[];
}

export interface JudgeResult {
  queueId: number;
  /** False when the reading was no longer queued (judged by another engine): nothing was applied. */
  judged: boolean;
  /** The alerts opened or updated, in trigger order. */
  alerts: { alert: AlertRecord; created: boolean }[];
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface CloudStore {
  /** Owner leases of open acts (migration 23): which cloud instance handles each act. */
  readonly actLeases: ActLeaseStore;
  /**
   * The channel between the instances sharing this store (PostgreSQL LISTEN/NOTIFY); absent on
   * SQLite (one instance: the relay keeps everything in process).
   */
  openInstanceChannel?(events: InstanceChannelEvents): InstanceChannel;
  /** The acts whose room on the forwarding unit is open (migration 30), for after a restart. */
  readonly actRooms: ActRoomStore;
  /** The home acts' media halves said so far (migration 33), for after a restart or a hand-over. */
  readonly homeActMedia: HomeActMediaStore;
  /** The patients' referring GPs in the directory (migration 27). */
  readonly referringGps: ReferringGpStore;
  /** The patients' own contacts (e-mail, mobile) in the directory (migration 32). */
  readonly patientContacts: PatientContactStore;
  /** The carts' device-user mappings (migration 29). */
  readonly deviceUsers: DeviceUserStore;
  /**
   * One transaction: resolves only after the commit is durable. Stores what it is given: the
   * ingest has already refused readings of patients not served by the batch's gateway.
   */
  storeBatch(batch: ObservationBatch): Promise<StoreBatchResult>;
  /**
   * The ingest's group commit: the statuses and batches of one intake round in ONE transaction
   * (one durable commit instead of one per message), each decided exactly as storeBatch and
   * upsertGatewayStatus would, statuses first then batches in the order given; results in the
   * batches' order. All or nothing: on an error nothing is stored and the caller stores the round
   * message by message.
   */
  storeIntake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[]): Promise<StoreBatchResult[]>;
  upsertPatients(patients: readonly PatientSeed[]): Promise<void>;
  listPatients(): Promise<PatientRecord[]>;
  getPatient(id: string): Promise<PatientRecord | null>;
  /** The gateways (carts) the configuration assigns to this patient, sorted; [] for an unknown patient. */
  patientGateways(patientId: string): Promise<string[]>;
  /**
   * Which of these local ids (what the gateway calls its patients) the cloud's own records
   * (configured patients, their `gateways` and `localId`) assign to this gateway, each mapped to the
   * cloud's patient id: the ingest stores a reading only for those, under that id. Readings never assign.
   */
  servedPatients(gatewayId: string, localIds: readonly string[]): Promise<Map<string, string>>;
  /** Every patient the cloud's records assign to this gateway: its local id → the cloud's id (the cart's day, agenda/). */
  patientsServedBy(gatewayId: string): Promise<Map<string, string>>;
  getObservation(id: string): Promise<Observation | null>;
  /** Newest first (by effective time, then sequence). */
  getObservations(query: ObservationPage): Promise<Observation[]>;
  countObservations(query: ObservationQuery): Promise<number>;
  /** The newest observation of each LOINC code the patient has. */
  latestVitals(patientId: string): Promise<Observation[]>;
  upsertGatewayStatus(status: GatewayStatus): Promise<void>;
  listGateways(): Promise<GatewayRecord[]>;
  /** Creates or updates a teleconsultation act (by sessionId). */
  upsertTeleconsultation(record: TeleconsultationRecord): Promise<void>;
  getTeleconsultation(sessionId: string): Promise<TeleconsultationRecord | null>;
  /** Newest first. */
  listTeleconsultations(query: TeleconsultationQuery): Promise<TeleconsultationRecord[]>;
  /** The relay's state of an act (migration 16); null clears it (a final act). No row: nothing written. */
  setRelayState(sessionId: string, state: RelayState | null): Promise<void>;
  /** The relay's state of each waiting or in-progress act that has one, by session id. */
  openRelayStates(): Promise<Map<string, RelayState>>;
  /** Books an act ahead (status scheduled), unless another active appointment holds the cart or the patient then. */
  bookAppointment(booking: AppointmentBooking): Promise<BookResult>;
  /** Moves a scheduled appointment to another slot, unless that one overlaps another. */
  rescheduleAppointment(id: string, start: string, end: string, at: string): Promise<ChangeResult>;
  /** A scheduled appointment cancelled, or not done (no-show, technical failure), with the reason. */
  closeAppointment(id: string, to: 'cancelled' | 'not-done', outcome: string, at: string): Promise<ChangeResult>;
  /** The scheduled appointment a cart's call for this patient takes now (it becomes the waiting act), if one is due. */
  claimAppointment(claim: AppointmentClaim): Promise<AppointmentRecord | null>;
  getAppointment(id: string): Promise<AppointmentRecord | null>;
  /** The appointment an act was booked as (by the act's session id), if it was. */
  appointmentOfSession(sessionId: string): Promise<AppointmentRecord | null>;
  /** Earliest first. */
  listAppointments(query: AppointmentQuery): Promise<AppointmentRecord[]>;
  /** Appends to the audit trail (never updated nor deleted). */
  appendAudit(event: AuditEventInput): Promise<void>;
  /** Clinician logins, by the SHA-256 of their token (teleconsult/logins.ts). */
  saveLogin(login: StoredLogin): Promise<void>;
  deleteLogin(tokenSha256: string): Promise<void>;
  /** Logins not expired at `now`; the expired ones are deleted. */
  liveLogins(now: Date): Promise<StoredLogin[]>;
  getLogin(tokenSha256: string, now: Date): Promise<StoredLoginState | null>;
  deleteLoginsOf(specialistId: string): Promise<void>;
  /**
   * Authentication throttle (security/auth-throttle.ts): reads the rows of `keys` (absent keys have
   * none), lets `decide` (synchronous) compute the change, writes it. One step, serialized with
   * every other call that shares a key, in this process and any other on the same database: N
   * parallel attempts are decided one after the other, each seeing the counts the previous wrote.
   */
  updateThrottle<T>(keys: readonly string[], decide: ThrottleDecide<T>): Promise<T>;
  /** Deletes the throttle rows whose last failure is before `before` and that block nothing after it. */
  pruneThrottle(before: Date): Promise<number>;
  /** Oldest first (the order things happened). */
  listAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Opens the (patient, rule) alert, or updates the open one (last values, time, count): atomic, never two open.
   * An alert it opens gets its escalation row (level 1 due at once) in the same transaction.
   */
  upsertOpenAlert(trigger: AlertTrigger): Promise<{ alert: AlertRecord; created: boolean }>;
  getAlert(id: string): Promise<AlertRecord | null>;
  /** Critical first, then the latest trigger first. */
  listAlerts(query: AlertQuery): Promise<AlertPage>;
  /** open → acknowledged, with who and an optional note. */
  acknowledgeAlert(id: string, by: string, note: string | null, at: Date): Promise<AckResult>;
  /** Resolves the open (patient, rule) alert, if any: the condition ended. */
  resolveOpenAlert(patientId: string, rule: string, by: string, at: Date): Promise<AlertRecord | null>;
  /**
   * The alert engine's queue: every reading storeBatch inserts is queued in the same transaction,
   * so a crash after the commit cannot lose its evaluation. Oldest first.
   */
  pendingJudgements(limit: number): Promise<PendingJudgement[]>;
  /**
   * One transaction for the lot: takes each reading off the queue and opens or updates the alerts
   * its evaluation found, so a crash neither loses nor repeats them. A reading no longer queued
   * (judged by another engine) has nothing applied. In the given order. Each alert it opens gets its
   * escalation row (level 1 due at once) in the same transaction: its notifications cannot be lost.
   */
  judge(judgements: readonly Judgement[]): Promise<JudgeResult[]>;
  /** Durable outbox (migration 12): adds the messages whose idempotency key is new; how many it added. */
  enqueueOutbox(messages: readonly OutboxInput[], at: Date): Promise<number>;
  /** Takes up to `limit` due messages for `leaseMs` (one attempt each); concurrent callers get disjoint sets. */
  leaseOutbox(now: Date, leaseMs: number, limit: number): Promise<OutboxLease[]>;
  /** Sent, retry later, or failed for good; false when the lease was lost (nothing written). */
  settleOutbox(id: string, leaseToken: string, settlement: OutboxSettlement): Promise<boolean>;
  /** The topic's unsent messages are withdrawn; how many. */
  cancelOutbox(topic: string, at: Date): Promise<number>;
  /** Withdraws the unsent messages of these topics to these recipients (a patient's former contact): what was withdrawn. */
  cancelOutboxTo(topics: readonly string[], recipients: readonly string[], at: Date): Promise<{ topic: string; recipient: string }[]>;
  /** Earliest not-before first. */
  listOutbox(query: OutboxQuery): Promise<OutboxMessage[]>;
  outboxCounts(): Promise<Record<OutboxStatus, number>>;
  /** Alert escalations due at `now`, earliest first. */
  dueEscalations(now: Date, limit: number): Promise<AlertEscalation[]>;
  getEscalation(alertId: string): Promise<AlertEscalation | null>;
  /**
   * One transaction: if the alert's escalation is still at `fromLevel`, enqueues the messages and
   * moves it to the next level (or ends it). False when another notifier already took this step.
   */
  escalate(step: EscalationStep, at: Date): Promise<boolean>;
  /** Ends an alert's escalation (acknowledged, resolved); false when there was none. */
  endEscalation(alertId: string): Promise<boolean>;
  /**
   * Teleconsultation reports (migration 13, report-records.ts). Every write to a signed version is
   * refused with ReportWriteRefused, here and by the tables' triggers.
   */
  reportVersions(sessionId: string): Promise<ReportVersion[]>;
  getReportVersion(id: string): Promise<ReportVersion | null>;
  createReportDraft(draft: NewReportDraft): Promise<ReportVersion>;
  updateReportDraft(sessionId: string, version: number, content: ReportContent, at: string): Promise<ReportVersion>;
  signReport(signing: ReportSigning): Promise<ReportVersion>;
  correctReport(sessionId: string, id: string, authorId: string, at: string): Promise<ReportVersion>;
  /** Signed versions, newest act first. */
  listReports(query: ReportQuery): Promise<ReportVersion[]>;
  /** A download link to a signed version (report/links.ts); refused for a draft. */
  saveReportLink(link: ReportLinkRecord): Promise<void>;
  /** The link whose token hashes to this, expired or not. */
  getReportLink(tokenSha256: string): Promise<ReportLinkRecord | null>;
  /** This version's link for this recipient that expires last, expired or not (a cart's link, found again after a restart). */
  latestReportLink(versionId: string, recipient: string): Promise<ReportLinkRecord | null>;
  /** A wrong date of birth on a patient's link: counted, and the link locked at the `max`-th (null: unknown or locked already). */
  missReportLink(tokenSha256: string, at: Date, max: number): Promise<{ failedAttempts: number; lockedAt: string | null } | null>;
  /** Join links of home acts (migration 15): saved once per token (saving it again changes nothing). */
  saveActLink(link: ActLinkRecord): Promise<void>;
  getActLink(tokenSha256: string): Promise<ActLinkRecord | null>;
  /** Binds the link to a device unless one has it already; the link as it is after. */
  bindActLink(tokenSha256: string, deviceSha256: string, at: Date): Promise<ActLinkRecord | null>;
  /** The identity state of a join link (migration 22), null until the patient starts confirming. */
  getLinkIdentity(tokenSha256: string): Promise<LinkIdentityRecord | null>;
  /** Writes the state if still at `next.version - 1` (absent: 0); false when another write came first. */
  putLinkIdentity(next: LinkIdentityRecord): Promise<boolean>;
  /** Withdraws the link (migration 21: the participant was removed); the link as it is after. */
  revokeActLink(tokenSha256: string, at: Date): Promise<ActLinkRecord | null>;
  /** The specialist let the link's participant in (migration 30); the first admission's time is kept. */
  admitActLink(tokenSha256: string, at: Date): Promise<ActLinkRecord | null>;
  /** The guests' links of an act (migration 21), oldest first. */
  guestLinksOf(actId: string): Promise<ActLinkRecord[]>;
  /**
   * The patient directory (migration 18, directory-tables.ts): each change is one transaction and
   * says which carts' patient lists it altered. Refusals (unknown patient, merge of two qualified
   * INS, a cart's local id already taken) change nothing.
   */
  createDirectoryPatient(p: NewDirectoryPatient): Promise<DirectoryResult>;
  updateDirectoryPatient(id: string, fields: IdentityFields, by: string, at: string): Promise<DirectoryResult>;
  admitPatient(a: Admission): Promise<DirectoryResult>;
  transferPatient(a: Admission): Promise<DirectoryResult>;
  dischargePatient(patientId: string, by: string, at: string, reason: string | null): Promise<DirectoryResult>;
  /** The duplicate's readings, alerts, appointments go to the survivor; the duplicate stays, merged into it. */
  mergePatients(survivorId: string, duplicateId: string, by: string, at: string): Promise<DirectoryResult>;
  getDirectoryPatient(id: string): Promise<DirectoryPatient | null>;
  /** Every patient, merged ones included; by name. */
  listDirectory(): Promise<DirectoryPatient[]>;
  /** The patients a cart serves now, with what it calls them (the cart's list, patients/). */
  cartPatients(gatewayId: string): Promise<(DirectoryPatient & { localId: string })[]>;
  /** Same INS, or same names and birth date, among patients not merged: for review. */
  likelyDuplicates(): Promise<LikelyDuplicate[]>;
  /** Oldest first. */
  patientMovements(patientId: string): Promise<PatientMovement[]>;
  /** Accounts (migration 17): inserted, or every field but the creation time replaced. */
  saveAccount(account: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  /** Every account, by id. */
  listAccounts(): Promise<AccountRecord[]>;
  /** Sites (migration 24): inserted or replaced (all but the creation time). */
  saveSite(site: SiteRecord): Promise<void>;
  /** Inserts the sites the store lacks and leaves the stored ones (the configuration's seed); returns the ids added. */
  seedSites(sites: readonly SiteRecord[]): Promise<string[]>;
  getSite(id: string): Promise<SiteRecord | null>;
  /** Every site, in creation order. */
  listSites(): Promise<SiteRecord[]>;
  /** On-call teams of the alert notifications (migration 24): inserted or replaced. */
  saveOncallTeam(team: OncallTeamRecord): Promise<void>;
  /** Inserts the teams the store lacks and leaves the stored ones; returns the ids added. */
  seedOncallTeams(teams: readonly OncallTeamRecord[]): Promise<string[]>;
  deleteOncallTeam(id: string): Promise<boolean>;
  /** Every team, by id; a row that no longer fits the team schema throws with its id. */
  listOncallTeams(): Promise<OncallTeamRecord[]>;
  /** Nurses' cart credentials (migration 20): name, badge and carts written; a chosen PIN kept. */
  saveNurse(nurse: NurseProfile): Promise<void>;
  /** The nurse's PIN verifier (null clears it); false when the nurse is unknown. */
  setNursePin(accountId: string, pin: NurseRecord['pin'], at: Date): Promise<boolean>;
  getNurse(accountId: string): Promise<NurseRecord | null>;
  listNurses(): Promise<NurseRecord[]>;
  removeNurse(accountId: string): Promise<boolean>;
  /** Telemonitoring enrolments (migration 19): refused when the patient is already in the programme over part of the period. */
  enrol(enrolment: NewEnrolment): Promise<EnrolResult>;
  /** Ends an enrolment at `end` (the row stays, with who ended it and when). */
  endEnrolment(id: string, end: Date, by: string): Promise<EndEnrolmentResult>;
  /** Replaces an enrolment's per-rule overrides. */
  setEnrolmentThresholds(id: string, thresholds: NewEnrolment['thresholds']): Promise<void>;
  getEnrolment(id: string): Promise<EnrolmentRecord | null>;
  /** The patient's enrolments, ended ones included, by start. */
  patientEnrolments(patientId: string): Promise<EnrolmentRecord[]>;
  /** The enrolments whose period holds `at`. */
  activeEnrolments(at: Date): Promise<EnrolmentRecord[]>;
  /** Stored rows the reads skipped because they cannot be served (store/row-decoder.ts), since open. */
  unreadableRows(): UnreadableRowCounts;
  close(): Promise<void>;
}
