export {
  type BrokerAuthorizer,
  type BrokerClientInfo,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from './broker/embedded-broker.js';
export { CLOUD_DB_FILE, type Cloud, type StartCloudOptions, startCloud } from './cloud.js';
export { CloudConfig, PatientSeedConfig } from './config.js';
export { buildHttpApp } from './http/app.js';
export type { HttpDeps } from './http/deps.js';
export type { MalformedReason } from './ingest/batch-validation.js';
export { type Ingest, type IngestOptions, type ObservationListener, startIngest } from './ingest/ingest.js';
export type { IngestMetrics } from './ingest/ingest-metrics.js';
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
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export { type PatientOverview, patientOverviews } from './vitals/overview.js';
export { summarizeVitals, VITAL_KEYS, type VitalKey, type VitalReading, type VitalsSummary, vitalOf } from './vitals/summary.js';
