export {
  type AppliedAck,
  type IgnoredAckReason,
  type SentBatch,
  SyncClient,
  type SyncClientEvents,
  type SyncClientOptions,
  type SyncCounters,
  type SyncOptions,
  type SyncState,
} from './sync-client.js';
