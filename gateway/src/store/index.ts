export { type IdGenerator, uuidV7Generator } from './ids.js';
export {
  ACK_DELETE_SQL,
  ACK_TALLY_SQL,
  type AlarmRule,
  ASSIGNED_LATER_FLAG,
  type Batch,
  type CapacityChange,
  type CapacityLevel,
  INSERT_READING_SQL,
  InvalidReadingError,
  type LaneStats,
  LocalObservation,
  NO_PATIENT_FLAG,
  REMEMBER_KEYS_SQL,
  type ReadingState,
  ReadingStore,
  type ReadingStoreEvents,
  type ReadingStoreOptions,
  type RecordInput,
  type RecordResult,
  type RefusedReading,
  type StoreCapacity,
  type StoredReading,
  StoreFullError,
  type StoreStats,
} from './reading-store.js';
export { SCHEMA_VERSION } from './schema.js';
export { readStoreStatus, type StoreStatusSnapshot } from './store-status.js';
