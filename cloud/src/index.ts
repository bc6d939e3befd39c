export { EnrollmentError, PROGRAMME_RULES, TelemonitoringConfig, TelemonitoringEnrollment } from './alerts/config.js';
export { AlertEngine, type AlertEvent, type Scheduler } from './alerts/engine.js';
export { type ConnectRateOptions, DEFAULT_CONNECT_RATE } from './broker/connect-gate.js';
export {
  type BrokerAuthorizer,
  type BrokerClientInfo,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from './broker/embedded-broker.js';
export { CLOUD_DB_FILE, type Cloud, type StartCloudOptions, startCloud } from './cloud.js';
export {
  assertCloudConfig,
  CloudConfig,
  CloudConfigError,
  type CloudConfigSemantics,
  checkCloudConfig,
  PatientSeedConfig,
  validateCloudConfig,
} from './config.js';
export { buildHttpApp } from './http/app.js';
export type { HttpDeps } from './http/deps.js';
export type { MalformedReason } from './ingest/batch-validation.js';
export { type Ingest, type IngestOptions, isTransientStoreError, type ObservationListener, startIngest } from './ingest/ingest.js';
export type { IngestMetrics, IngestWorkerMetrics } from './ingest/ingest-metrics.js';
export { type IngestWorkerOptions, runIngestWorker } from './ingest/worker.js';
export { type IngestWorkerPoolOptions, startIngestWorkerPool } from './ingest/worker-pool.js';
export { brevoSmsSender } from './outbox/brevo-sms.js';
export { smtpSender } from './outbox/smtp.js';
export { TransportError } from './outbox/transport.js';
export {
  cloudUsers,
  identityFromCn,
  ingestCommonName,
  mayPublish,
  maySubscribe,
  mosquittoAcl,
  SIGNALING_CN,
  SIGNALING_SERVICES,
  signalingCommonName,
} from './security/acl.js';
// CloudSecurity and the PKI helpers load x509: from '@telecart/cloud/security' (security/index.ts).
export type { CloudSecurity, EnrollResult } from './security/cloud-security.js';
export { type CloudTlsOptions, securityDir, serverHostnames } from './security/cloud-wiring.js';
export { CloudTlsConfig, MqttVersionConfig } from './security/config.js';
export { mosquittoListenerConfig, writeMosquittoSecurityFiles } from './security/mosquitto-files.js';
export { TokenError } from './security/registry.js';
export type {
  CloudStore,
  GatewayRecord,
  ObservationPage,
  ObservationQuery,
  PatientRecord,
  PatientSeed,
  RejectedReading,
  StoreBatchResult,
} from './store/cloud-store.js';
export { isPostgresUrl } from './store/db-url.js';
export { type OpenCloudStoreOptions, openCloudStore } from './store/open-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  TeleconsultationQuery,
  TeleconsultationRecord,
} from './store/teleconsult-records.js';
export { SiteConfig, SpecialistConfig, TeleconsultConfig, type TeleconsultOptions } from './teleconsult/config.js';
export { hashPassword, newToken, verifyPassword } from './teleconsult/passwords.js';
export type { PeerHandle, RelayPeer, TeleconsultMetrics, TeleconsultRelay } from './teleconsult/relay.js';
export type { Teleconsult } from './teleconsult/service.js';
export { canMove, FINAL_STATUSES, isFinal, STATUS_LABELS, transition } from './teleconsult/status-machine.js';
export { enrollTotp, readTotpKey } from './teleconsult/totp.js';
export type { BrowserMessage, CloudMessage, SessionView } from './teleconsult/ws-messages.js';
export { type PatientOverview, patientOverviews } from './vitals/overview.js';
export { summarizeVitals, VITAL_KEYS, type VitalKey, type VitalReading, type VitalsSummary, vitalOf } from './vitals/summary.js';
