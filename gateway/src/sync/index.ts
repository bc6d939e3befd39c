export { type BackoffOptions, RECONNECT_DEFAULTS, reconnectDelay } from './backoff.js';
export { attachReconnectBackoff, type ReconnectBackoff } from './reconnect-backoff.js';
export {
  type AppliedAck,
  type IgnoredAckReason,
  type SentBatch,
  SYNC_DEFAULTS,
  SyncClient,
  type SyncClientEvents,
  type SyncClientOptions,
  type SyncCounters,
  type SyncOptions,
  type SyncState,
} from './sync-client.js';
export { attachTlsSessions, type TlsSessionCounts, TlsSessions } from './tls-session.js';
