export { type IdGenerator, uuidV7Generator } from './ids.js';
export {
  ASSIGNED_LATER_FLAG,
  type Batch,
  InvalidReadingError,
  LocalObservation,
  NO_PATIENT_FLAG,
  type ReadingState,
  ReadingStore,
  type ReadingStoreEvents,
  type ReadingStoreOptions,
  type RecordInput,
  type RecordResult,
  type StoredReading,
  type StoreStats,
} from './reading-store.js';
export { SCHEMA_VERSION } from './schema.js';
