/**
 * What both cloud stores keep in the same tables, written once: the Kysely table modules compile
 * each statement for the store's dialect, so SQLite and PostgreSQL differ only in how they open
 * their connection and build the tables. Each store builds `tables` in its constructor; the methods
 * here are the CloudStore's, passed to those modules. What still differs per store (readings,
 * patients, transactions across tables) stays in sqlite-store.ts and postgres-store.ts.
 */
import type { AccountRecord } from './account-records.js';
import type { AccountTables } from './account-tables.js';
import type { ActLeaseTables } from './act-lease-tables.js';
import type { ActLinkRecord } from './act-link-records.js';
import type { ActLinkTables } from './act-link-tables.js';
import type { ActRoomTables } from './act-room-tables.js';
import type { AckResult, AlertPage, AlertQuery, AlertRecord } from './alert-records.js';
import type { AlertTables } from './alert-tables.js';
import type {
  AppointmentBooking,
  AppointmentClaim,
  AppointmentQuery,
  AppointmentRecord,
  BookResult,
  ChangeResult,
} from './appointment-records.js';
import type { AppointmentTables } from './appointment-tables.js';
import type { DeviceUserTables } from './device-user-tables.js';
import type {
  Admission,
  DirectoryPatient,
  DirectoryResult,
  IdentityFields,
  LikelyDuplicate,
  NewDirectoryPatient,
  PatientMovement,
} from './directory-records.js';
import type { DirectoryTables } from './directory-tables.js';
import type { EndEnrolmentResult, EnrolmentRecord, EnrolResult, NewEnrolment } from './enrolment-records.js';
import type { EnrolmentTables } from './enrolment-tables.js';
import type { HomeActMediaTables } from './home-act-media-tables.js';
import type { LinkIdentityRecord } from './link-identity-records.js';
import type { LinkIdentityTables } from './link-identity-tables.js';
import type { NurseProfile, NurseRecord } from './nurse-records.js';
import type { NurseTables } from './nurse-tables.js';
import type { AlertEscalation, OutboxLease, OutboxMessage, OutboxQuery, OutboxSettlement, OutboxStatus } from './outbox-records.js';
import type { OutboxTables } from './outbox-tables.js';
import type { PatientContactTables } from './patient-contact-tables.js';
import type { ReferringGpTables } from './referring-gp-tables.js';
import type { NewReportDraft, ReportContent, ReportLinkRecord, ReportQuery, ReportSigning, ReportVersion } from './report-records.js';
import type { ReportTables } from './report-tables.js';
import type { OncallTeamRecord, SiteRecord } from './site-records.js';
import type { SiteTables } from './site-tables.js';
import type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  RelayState,
  TeleconsultationQuery,
  TeleconsultationRecord,
} from './teleconsult-records.js';
import type { TeleconsultTables } from './teleconsult-tables.js';

/** The table modules of one store, each on that store's connection. */
export interface StoreTables {
  teleconsult: TeleconsultTables;
  appointments: AppointmentTables;
  alerts: AlertTables;
  outbox: OutboxTables;
  reports: ReportTables;
  actLinks: ActLinkTables;
  actLeases: ActLeaseTables;
  actRooms: ActRoomTables;
  homeActMedia: HomeActMediaTables;
  referringGps: ReferringGpTables;
  patientContacts: PatientContactTables;
  deviceUsers: DeviceUserTables;
  linkIdentity: LinkIdentityTables;
  directory: DirectoryTables;
  accounts: AccountTables;
  siteTables: SiteTables;
  nurses: NurseTables;
  enrolments: EnrolmentTables;
}

export abstract class TablesStore {
  /** Set by each store's constructor, before any method runs. */
  protected tables!: StoreTables;
  /** The store's clock (injected in tests). */
  protected now: () => Date = () => new Date();

  get actLeases(): ActLeaseTables {
    return this.tables.actLeases;
  }

  get actRooms(): ActRoomTables {
    return this.tables.actRooms;
  }

  get homeActMedia(): HomeActMediaTables {
    return this.tables.homeActMedia;
  }

  get referringGps(): ReferringGpTables {
    return this.tables.referringGps;
  }

  get patientContacts(): PatientContactTables {
    return this.tables.patientContacts;
  }

  get deviceUsers(): DeviceUserTables {
    return this.tables.deviceUsers;
  }
  createDirectoryPatient(p: NewDirectoryPatient): Promise<DirectoryResult> {
    return this.tables.directory.create(p);
  }

  updateDirectoryPatient(id: string, fields: IdentityFields, by: string, at: string): Promise<DirectoryResult> {
    return this.tables.directory.update(id, fields, by, at);
  }

  admitPatient(a: Admission): Promise<DirectoryResult> {
    return this.tables.directory.admit(a);
  }

  transferPatient(a: Admission): Promise<DirectoryResult> {
    return this.tables.directory.transfer(a);
  }

  dischargePatient(patientId: string, by: string, at: string, reason: string | null): Promise<DirectoryResult> {
    return this.tables.directory.discharge(patientId, by, at, reason);
  }

  mergePatients(survivorId: string, duplicateId: string, by: string, at: string): Promise<DirectoryResult> {
    return this.tables.directory.merge(survivorId, duplicateId, by, at);
  }

  getDirectoryPatient(id: string): Promise<DirectoryPatient | null> {
    return this.tables.directory.get(id);
  }

  listDirectory(): Promise<DirectoryPatient[]> {
    return this.tables.directory.list();
  }

  cartPatients(gatewayId: string): Promise<(DirectoryPatient & { localId: string })[]> {
    return this.tables.directory.onCart(gatewayId);
  }

  likelyDuplicates(): Promise<LikelyDuplicate[]> {
    return this.tables.directory.duplicates();
  }

  patientMovements(patientId: string): Promise<PatientMovement[]> {
    return this.tables.directory.movements(patientId);
  }

  upsertTeleconsultation(record: TeleconsultationRecord): Promise<void> {
    return this.tables.teleconsult.upsert(record);
  }

  getTeleconsultation(sessionId: string): Promise<TeleconsultationRecord | null> {
    return this.tables.teleconsult.get(sessionId);
  }

  listTeleconsultations(query: TeleconsultationQuery): Promise<TeleconsultationRecord[]> {
    return this.tables.teleconsult.list(query);
  }

  setRelayState(sessionId: string, state: RelayState | null): Promise<void> {
    return this.tables.teleconsult.setRelayState(sessionId, state);
  }

  openRelayStates(): Promise<Map<string, RelayState>> {
    return this.tables.teleconsult.openRelayStates();
  }

  bookAppointment(booking: AppointmentBooking): Promise<BookResult> {
    return this.tables.appointments.book(booking);
  }

  rescheduleAppointment(id: string, start: string, end: string, at: string): Promise<ChangeResult> {
    return this.tables.appointments.reschedule(id, start, end, at);
  }

  closeAppointment(id: string, to: 'cancelled' | 'not-done', outcome: string, at: string): Promise<ChangeResult> {
    return this.tables.appointments.close(id, to, outcome, at);
  }

  claimAppointment(claim: AppointmentClaim): Promise<AppointmentRecord | null> {
    return this.tables.appointments.claim(claim);
  }

  getAppointment(id: string): Promise<AppointmentRecord | null> {
    return this.tables.appointments.get(id);
  }

  appointmentOfSession(sessionId: string): Promise<AppointmentRecord | null> {
    return this.tables.appointments.ofSession(sessionId);
  }

  listAppointments(query: AppointmentQuery): Promise<AppointmentRecord[]> {
    return this.tables.appointments.list(query);
  }

  reportVersions(sessionId: string): Promise<ReportVersion[]> {
    return this.tables.reports.versions(sessionId);
  }

  getReportVersion(id: string): Promise<ReportVersion | null> {
    return this.tables.reports.get(id);
  }

  createReportDraft(draft: NewReportDraft): Promise<ReportVersion> {
    return this.tables.reports.createDraft(draft);
  }

  updateReportDraft(sessionId: string, version: number, content: ReportContent, at: string): Promise<ReportVersion> {
    return this.tables.reports.updateDraft(sessionId, version, content, at);
  }

  signReport(signing: ReportSigning): Promise<ReportVersion> {
    return this.tables.reports.sign(signing);
  }

  correctReport(sessionId: string, id: string, authorId: string, at: string): Promise<ReportVersion> {
    return this.tables.reports.correct(sessionId, id, authorId, at);
  }

  listReports(query: ReportQuery): Promise<ReportVersion[]> {
    return this.tables.reports.list(query);
  }

  saveReportLink(link: ReportLinkRecord): Promise<void> {
    return this.tables.reports.saveLink(link);
  }

  getReportLink(tokenSha256: string): Promise<ReportLinkRecord | null> {
    return this.tables.reports.link(tokenSha256);
  }

  latestReportLink(versionId: string, recipient: string): Promise<ReportLinkRecord | null> {
    return this.tables.reports.latestLink(versionId, recipient);
  }

  missReportLink(tokenSha256: string, at: Date, max: number): Promise<{ failedAttempts: number; lockedAt: string | null } | null> {
    return this.tables.reports.missLink(tokenSha256, at, max);
  }

  saveActLink(link: ActLinkRecord): Promise<void> {
    return this.tables.actLinks.save(link);
  }

  getActLink(tokenSha256: string): Promise<ActLinkRecord | null> {
    return this.tables.actLinks.get(tokenSha256);
  }

  bindActLink(tokenSha256: string, deviceSha256: string, at: Date): Promise<ActLinkRecord | null> {
    return this.tables.actLinks.bind(tokenSha256, deviceSha256, at);
  }

  getLinkIdentity(tokenSha256: string): Promise<LinkIdentityRecord | null> {
    return this.tables.linkIdentity.get(tokenSha256);
  }

  putLinkIdentity(next: LinkIdentityRecord): Promise<boolean> {
    return this.tables.linkIdentity.put(next);
  }

  revokeActLink(tokenSha256: string, at: Date): Promise<ActLinkRecord | null> {
    return this.tables.actLinks.revoke(tokenSha256, at);
  }

  admitActLink(tokenSha256: string, at: Date): Promise<ActLinkRecord | null> {
    return this.tables.actLinks.admit(tokenSha256, at);
  }

  guestLinksOf(actId: string): Promise<ActLinkRecord[]> {
    return this.tables.actLinks.guestsOf(actId);
  }

  saveAccount(account: AccountRecord): Promise<void> {
    return this.tables.accounts.save(account);
  }

  getAccount(id: string): Promise<AccountRecord | null> {
    return this.tables.accounts.get(id);
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.tables.accounts.list();
  }

  saveSite(site: SiteRecord): Promise<void> {
    return this.tables.siteTables.saveSite(site);
  }

  seedSites(sites: readonly SiteRecord[]): Promise<string[]> {
    return this.tables.siteTables.seedSites(sites);
  }

  getSite(id: string): Promise<SiteRecord | null> {
    return this.tables.siteTables.getSite(id);
  }

  listSites(): Promise<SiteRecord[]> {
    return this.tables.siteTables.listSites();
  }

  saveOncallTeam(team: OncallTeamRecord): Promise<void> {
    return this.tables.siteTables.saveTeam(team);
  }

  seedOncallTeams(teams: readonly OncallTeamRecord[]): Promise<string[]> {
    return this.tables.siteTables.seedTeams(teams);
  }

  deleteOncallTeam(id: string): Promise<boolean> {
    return this.tables.siteTables.deleteTeam(id);
  }

  listOncallTeams(): Promise<OncallTeamRecord[]> {
    return this.tables.siteTables.listTeams();
  }

  saveNurse(nurse: NurseProfile): Promise<void> {
    return this.tables.nurses.save(nurse, this.now());
  }

  setNursePin(accountId: string, pin: NurseRecord['pin'], at: Date): Promise<boolean> {
    return this.tables.nurses.setPin(accountId, pin, at);
  }

  getNurse(accountId: string): Promise<NurseRecord | null> {
    return this.tables.nurses.get(accountId);
  }

  listNurses(): Promise<NurseRecord[]> {
    return this.tables.nurses.list();
  }

  removeNurse(accountId: string): Promise<boolean> {
    return this.tables.nurses.remove(accountId);
  }

  enrol(enrolment: NewEnrolment): Promise<EnrolResult> {
    return this.tables.enrolments.enrol(enrolment, this.now());
  }

  endEnrolment(id: string, end: Date, by: string): Promise<EndEnrolmentResult> {
    return this.tables.enrolments.end(id, end, by, this.now());
  }

  setEnrolmentThresholds(id: string, thresholds: NewEnrolment['thresholds']): Promise<void> {
    return this.tables.enrolments.setThresholds(id, thresholds);
  }

  getEnrolment(id: string): Promise<EnrolmentRecord | null> {
    return this.tables.enrolments.get(id);
  }

  patientEnrolments(patientId: string): Promise<EnrolmentRecord[]> {
    return this.tables.enrolments.ofPatient(patientId);
  }

  activeEnrolments(at: Date): Promise<EnrolmentRecord[]> {
    return this.tables.enrolments.activeAt(at);
  }

  appendAudit(event: AuditEventInput): Promise<void> {
    return this.tables.teleconsult.append(event);
  }

  listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    return this.tables.teleconsult.audit(query);
  }

  getAlert(id: string): Promise<AlertRecord | null> {
    return this.tables.alerts.get(id);
  }

  listAlerts(query: AlertQuery): Promise<AlertPage> {
    return this.tables.alerts.list(query);
  }

  acknowledgeAlert(id: string, by: string, note: string | null, at: Date): Promise<AckResult> {
    return this.tables.alerts.acknowledge(id, by, note, at);
  }

  resolveOpenAlert(patientId: string, rule: string, by: string, at: Date): Promise<AlertRecord | null> {
    return this.tables.alerts.resolveOpen(patientId, rule, by, at);
  }

  leaseOutbox(now: Date, leaseMs: number, limit: number): Promise<OutboxLease[]> {
    return this.tables.outbox.lease(now, leaseMs, limit);
  }

  settleOutbox(id: string, leaseToken: string, settlement: OutboxSettlement): Promise<boolean> {
    return this.tables.outbox.settle(id, leaseToken, settlement);
  }

  cancelOutbox(topic: string, at: Date): Promise<number> {
    return this.tables.outbox.cancel(topic, at);
  }

  cancelOutboxTo(topics: readonly string[], recipients: readonly string[], at: Date): Promise<{ topic: string; recipient: string }[]> {
    return this.tables.outbox.cancelTo(topics, recipients, at);
  }

  listOutbox(query: OutboxQuery): Promise<OutboxMessage[]> {
    return this.tables.outbox.list(query);
  }

  outboxCounts(): Promise<Record<OutboxStatus, number>> {
    return this.tables.outbox.counts();
  }

  dueEscalations(now: Date, limit: number): Promise<AlertEscalation[]> {
    return this.tables.outbox.dueEscalations(now, limit);
  }

  getEscalation(alertId: string): Promise<AlertEscalation | null> {
    return this.tables.outbox.escalationOf(alertId);
  }

  endEscalation(alertId: string): Promise<boolean> {
    return this.tables.outbox.dropEscalation(alertId);
  }
}
