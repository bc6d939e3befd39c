/**
 * Ingest counters, and the "log once per gateway and reason" rule: a gateway stuck
 * sending a bad payload every second must not flood the log, but the first one is
 * logged with everything needed to find the bug (topic, first bytes, error).
 */
import type { Logger } from 'pino';
import type { MalformedReason } from './batch-validation.js';

export interface IngestMetrics {
  batchesReceived: number;
  batchesAcked: number;
  /** Readings newly stored (not counting duplicates). */
  observationsStored: number;
  duplicates: number;
  /** Readings rejected inside otherwise valid batches (named in the ack). */
  readingsRejected: number;
  /** Of `readingsRejected`: readings of a patient the configuration does not assign to the sending gateway. */
  readingsNotServed: number;
  /** Readings so broken their seq is unknown: dropped, cannot be acked. */
  readingsUnaddressable: number;
  /** Whole messages dropped, by reason. */
  malformed: Record<MalformedReason, number>;
  malformedTotal: number;
  statusesReceived: number;
  /** Store failures: nothing acked, the gateway resends. */
  storeErrors: number;
  /** Store transactions run again after a transient conflict (several ingest workers on one database). */
  storeRetries: number;
  /** Store transactions the ingest committed: one per intake round (its group commit), so batchesReceived ÷ this is the mean round. */
  storeCommits: number;
  ackPublishErrors: number;
  lastBatchAt: string | null;
  /** With ingest worker processes: each worker's own counters (the fields above are their sums). */
  workers?: IngestWorkerMetrics[];
}

export interface IngestWorkerMetrics {
  index: number;
  pid: number | null;
  connected: boolean;
  restarts: number;
  batchesReceived: number;
  observationsStored: number;
}

export function emptyMetrics(): IngestMetrics {
  return {
    batchesReceived: 0,
    batchesAcked: 0,
    observationsStored: 0,
    duplicates: 0,
    readingsRejected: 0,
    readingsNotServed: 0,
    readingsUnaddressable: 0,
    malformed: { oversize: 0, 'not-json': 0, schema: 0, 'topic-mismatch': 0, 'unknown-topic': 0 },
    malformedTotal: 0,
    statusesReceived: 0,
    storeErrors: 0,
    storeRetries: 0,
    storeCommits: 0,
    ackPublishErrors: 0,
    lastBatchAt: null,
  };
}

/** Bounds memory under a flood of made-up gateway ids: past this, new pairs are only counted. */
const MAX_REMEMBERED = 10_000;
const PREVIEW_BYTES = 64;

export class OnceLogger {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Logs at warn the first time (gatewayId, reason) occurs; returns whether it logged. */
  warn(
    gatewayId: string,
    reason: string,
    context: { topic: string; payload?: Uint8Array; error: string },
    what = 'dropped a message',
  ): boolean {
    const key = `${gatewayId}\u0000${reason}`;
    if (this.seen.has(key)) return false;
    if (this.seen.size >= MAX_REMEMBERED) return false;
    this.seen.add(key);
    const first = context.payload ? Buffer.from(context.payload.subarray(0, PREVIEW_BYTES)) : undefined;
    this.logger.warn(
      {
        gatewayId,
        reason,
        topic: context.topic,
        bytes: context.payload?.byteLength,
        firstBytes: first ? JSON.stringify(first.toString('latin1')) : undefined,
        error: context.error,
      },
      `${what} (${reason}) from gateway ${gatewayId}; logged once per gateway and reason`,
    );
    return true;
  }
}
