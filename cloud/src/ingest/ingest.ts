/**
 * MQTT ingest: an ordinary MQTT client (so it runs against the embedded aedes or an external
 * broker cluster alike) that validates uplink batches, stores them, and only after the store
 * committed publishes the BatchAck the gateway waits for before deleting anything.
 *
 * Messages are handled one at a time through mqtt.js `handleMessage`: the broker gets the
 * PUBACK only after the batch is stored, and a slow disk slows intake instead of piling up
 * batches in memory.
 */
import { randomBytes } from 'node:crypto';
import {
  type BatchAck,
  brokerConnectArgs,
  decodeStatus,
  encodePayload,
  type Lane,
  MAX_PAYLOAD_BYTES,
  type Observation,
  type ObservationBatch,
  parseTopic,
  topics,
  toSeqRanges,
} from '@telecart/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { CloudStore, RejectedReading } from '../store/cloud-store.js';
import { checkUplink, type MalformedReason } from './batch-validation.js';
import { emptyMetrics, type IngestMetrics, OnceLogger } from './ingest-metrics.js';

export interface IngestOptions {
  brokerUrl: string;
  store: CloudStore;
  logger: Logger;
  /** Subscribe through `$share/…` so several ingest workers split the uplinks (external brokers; aedes has no shared subscriptions). */
  shared?: boolean;
  /** A stable id gives a persistent session (uplinks queue at the broker while ingest restarts); default: random, clean session. */
  clientId?: string;
  maxPayloadBytes?: number;
  /** Extra connection options (credentials, TLS) for an external broker. */
  mqttOptions?: Omit<IClientOptions, 'clientId' | 'clean'>;
  /** MQTT protocol: 4 (3.1.1, default) or 5. */
  mqttVersion?: 4 | 5;
  /** Attempts of a batch whose store transaction hit a transient conflict (another worker writing). Default 5. */
  storeAttempts?: number;
}

/** Lock or serialization conflicts: the transaction rolled back and may simply be run again. */
export function isTransientStoreError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  // SQLite from several processes (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT…); PostgreSQL serialization failure / deadlock.
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED' || code === '40001' || code === '40P01');
}

export type ObservationListener = (observation: Observation) => void;

export interface Ingest {
  metrics(): IngestMetrics;
  /** Whether the MQTT connection is up right now (for /healthz). */
  isConnected(): boolean;
  /** Called once per newly stored observation, after its batch committed. Returns an unsubscribe function. */
  onObservation(listener: ObservationListener): () => void;
  stop(): Promise<void>;
}

const REASON_MAX = 300;

/**
 * Machine-readable start of the ack reason for a reading whose patient the cloud's configuration
 * does not assign to the sending gateway (unknown patient, or one served by other carts).
 */
export const PATIENT_NOT_SERVED = 'patient-not-served';
/** Bounds the (gateway, patient) pairs remembered for the once-only audit line. */
const AUDITED_MAX = 10_000;

class MqttIngest implements Ingest {
  private readonly counters = emptyMetrics();
  private readonly listeners = new Set<ObservationListener>();
  private readonly once: OnceLogger;
  /** (gateway, patient) pairs already written to the audit trail as refused. */
  private readonly auditedRefusals = new Set<string>();
  private readonly maxBytes: number;
  private inFlight: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly client: MqttClient,
    private readonly opts: IngestOptions,
  ) {
    this.once = new OnceLogger(opts.logger);
    this.maxBytes = opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    client.handleMessage = (packet, done) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const work = this.handle(packet.topic, payload).catch((e: unknown) => {
        // handle() catches its own failures; this is the last guard so intake never stops.
        opts.logger.error({ err: e, topic: packet.topic }, 'ingest: unexpected error');
      });
      this.inFlight = work;
      void work.then(() => done());
    };
  }

  metrics(): IngestMetrics {
    return structuredClone(this.counters);
  }

  isConnected(): boolean {
    return this.client.connected;
  }

  onObservation(listener: ObservationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.inFlight;
    await this.client.endAsync();
    this.listeners.clear();
  }

  private malformed(reason: MalformedReason, gatewayId: string, topic: string, payload: Uint8Array, error: string): void {
    this.counters.malformed[reason]++;
    this.counters.malformedTotal++;
    this.once.warn(gatewayId, reason, { topic, payload, error });
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'uplink') return this.handleUplink(topic, parsed.gatewayId, parsed.lane, payload);
    if (parsed?.kind === 'status') return this.handleStatus(topic, parsed.gatewayId, payload);
    this.malformed('unknown-topic', parsed?.gatewayId ?? '?', topic, payload, 'not an uplink or status topic');
  }

  private async handleStatus(topic: string, gatewayId: string, payload: Buffer): Promise<void> {
    if (payload.byteLength === 0) return; // a retained status being cleared
    if (payload.byteLength > this.maxBytes) {
      this.malformed('oversize', gatewayId, topic, payload, `payload of ${payload.byteLength} bytes exceeds ${this.maxBytes}`);
      return;
    }
    const r = decodeStatus(payload);
    if (!r.ok) {
      this.malformed(r.error.startsWith('not JSON') ? 'not-json' : 'schema', gatewayId, topic, payload, r.error);
      return;
    }
    if (r.value.gatewayId !== gatewayId) {
      this.malformed('topic-mismatch', gatewayId, topic, payload, `status of gateway ${r.value.gatewayId} on the topic of ${gatewayId}`);
      return;
    }
    try {
      await this.opts.store.upsertGatewayStatus(r.value);
      this.counters.statusesReceived++;
    } catch (e) {
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, gatewayId }, 'ingest: could not store gateway status');
    }
  }

  private async handleUplink(topic: string, gatewayId: string, lane: Lane, payload: Buffer): Promise<void> {
    this.counters.batchesReceived++;
    const checked = checkUplink(payload, { gatewayId, lane }, this.maxBytes);
    if (!checked.ok) {
      this.malformed(checked.reason, gatewayId, topic, payload, checked.error);
      return;
    }
    const { batch } = checked;
    if (checked.unaddressable.length > 0) {
      this.counters.readingsUnaddressable += checked.unaddressable.length;
      const error = checked.unaddressable.join(' | ').slice(0, 2000);
      this.once.warn(gatewayId, 'unaddressable-reading', { topic, payload, error }, 'dropped a reading without a usable seq');
    }
    for (const r of checked.rejected) {
      this.once.warn(gatewayId, 'invalid-reading', { topic, error: `seq ${r.seq}: ${r.reason}` }, 'rejected a reading');
    }

    let result: Awaited<ReturnType<CloudStore['storeBatch']>>;
    let notServed: RejectedReading[];
    try {
      const attributed = await this.attribute(gatewayId, batch);
      notServed = attributed.refused;
      result =
        attributed.served.observations.length > 0
          ? await this.withRetry(() => this.opts.store.storeBatch(attributed.served))
          : { storedSeqs: [], duplicates: 0, rejected: [], inserted: [] };
    } catch (e) {
      // Nothing acked: the gateway keeps the batch and resends it.
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, gatewayId, batchId: batch.batchId }, 'ingest: store failed, batch not acked');
      return;
    }
    for (const r of result.rejected) {
      // Same seq under another id means the gateway's numbering is broken: say it loudly, every time.
      this.opts.logger.error({ gatewayId, batchId: batch.batchId, seq: r.seq, reason: r.reason }, 'ingest: reading rejected by the store');
    }

    // Counted once acked: a batch whose store failed comes again and is decided again.
    this.counters.readingsNotServed += notServed.length;
    this.counters.observationsStored += result.inserted.length;
    this.counters.duplicates += result.duplicates;
    const rejected: RejectedReading[] = [...checked.rejected, ...notServed, ...result.rejected].map((r) => ({
      seq: r.seq,
      reason: r.reason.slice(0, REASON_MAX),
    }));
    this.counters.readingsRejected += rejected.length;
    this.counters.lastBatchAt = new Date().toISOString();

    for (const obs of result.inserted) this.emit(obs);

    const ack: BatchAck = {
      v: 1,
      batchId: batch.batchId,
      gatewayId,
      stored: toSeqRanges(result.storedSeqs),
      duplicates: result.duplicates,
      rejected,
      storedAt: new Date().toISOString(),
    };
    // Not awaited: the PUBACK for this ack arrives on the intake this handler is holding.
    this.client.publish(topics.ack(gatewayId), encodePayload(ack), { qos: 1 }, (err) => {
      if (err) {
        this.counters.ackPublishErrors++;
        this.opts.logger.warn({ err, gatewayId, batchId: batch.batchId }, 'ingest: ack publish failed; the gateway will resend');
      } else {
        this.counters.batchesAcked++;
      }
    });
  }

  /**
   * Splits the batch by the cloud's own records: a reading names its patient by the cart's local id,
   * which the configuration maps, for this gateway, to the cloud's patient id; the reading is stored
   * under that id (the mapping stays in patient_gateways: the wire format has no second id). Readings
   * of local ids not assigned to this gateway are refused (named in the ack, audited once per gateway
   * and local id) and never create nor link a patient, whatever the reading claims.
   */
  private async attribute(gatewayId: string, batch: ObservationBatch): Promise<{ served: ObservationBatch; refused: RejectedReading[] }> {
    const ids = [...new Set(batch.observations.map((o) => o.patient.id))];
    const served = await this.withRetry(() => this.opts.store.servedPatients(gatewayId, ids));
    const refused: RejectedReading[] = [];
    const firstSeq = new Map<string, number>();
    const kept: Observation[] = [];
    for (const o of batch.observations) {
      const patientId = served.get(o.patient.id);
      if (patientId !== undefined) {
        // A new object: the store writes exactly what it is given, the validated reading under the cloud's id.
        kept.push(patientId === o.patient.id ? o : { ...o, patient: { ...o.patient, id: patientId } });
        continue;
      }
      refused.push({
        seq: o.seq,
        reason: `${PATIENT_NOT_SERVED}: patient ${JSON.stringify(o.patient.id)} is not assigned to gateway ${gatewayId} in the cloud's configuration`,
      });
      if (!firstSeq.has(o.patient.id)) firstSeq.set(o.patient.id, o.seq);
    }
    for (const [patientId, seq] of firstSeq) await this.auditRefusal(gatewayId, patientId, batch.batchId, seq);
    return { served: { ...batch, observations: kept }, refused };
  }

  private async auditRefusal(gatewayId: string, patientId: string, batchId: string, seq: number): Promise<void> {
    const key = `${gatewayId}\u0000${patientId}`;
    if (this.auditedRefusals.has(key) || this.auditedRefusals.size >= AUDITED_MAX) return;
    this.auditedRefusals.add(key);
    this.opts.logger.warn({ gatewayId, patientId, batchId, seq }, 'ingest: reading of a patient not served by this gateway refused');
    try {
      await this.opts.store.appendAudit({
        at: new Date().toISOString(),
        actor: gatewayId,
        actorRole: 'gateway',
        action: 'reading-refused',
        gatewayId,
        patientId,
        detail: `${PATIENT_NOT_SERVED}: batch ${batchId}, first seq ${seq}; later refusals of this pair are only counted`.slice(0, 512),
      });
    } catch (e) {
      // The refusal itself stands (nothing is stored); only its trail line is missing.
      this.opts.logger.error({ err: e, gatewayId, patientId }, 'ingest: could not audit a refused reading');
    }
  }

  private async withRetry<T>(op: () => Promise<T>): Promise<T> {
    const attempts = Math.max(1, this.opts.storeAttempts ?? 5);
    for (let i = 1; ; i++) {
      try {
        return await op();
      } catch (e) {
        if (i >= attempts || !isTransientStoreError(e)) throw e;
        this.counters.storeRetries++;
        // Jittered so two workers that collided do not collide again.
        await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20 * i));
      }
    }
  }

  private emit(obs: Observation): void {
    for (const l of this.listeners) {
      try {
        l(obs);
      } catch (e) {
        this.opts.logger.error({ err: e }, 'ingest: observation listener failed');
      }
    }
  }
}

export async function startIngest(opts: IngestOptions): Promise<Ingest> {
  const target = brokerConnectArgs(opts.brokerUrl);
  const client = mqtt.connect(target.url, {
    ...(target.servers ? { servers: target.servers } : {}),
    ...opts.mqttOptions,
    ...(opts.mqttVersion ? { protocolVersion: opts.mqttVersion } : {}),
    clientId: opts.clientId ?? `telecart-ingest-${randomBytes(4).toString('hex')}`,
    clean: opts.clientId === undefined,
    reconnectPeriod: opts.mqttOptions?.reconnectPeriod ?? 1000,
  });
  // Installed before the first packet can arrive: a persistent session may deliver queued uplinks at once.
  const ingest = new MqttIngest(client, opts);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync([topics.allUplinks(opts.shared ?? false), topics.allStatuses()], { qos: 1 });
  } catch (e) {
    client.end(true);
    throw e;
  }
  client.on('error', (err) => opts.logger.warn({ err }, 'ingest: MQTT error'));
  // No Nagle on the ingest's socket either: each ack goes out as soon as its batch committed.
  const noDelay = () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  noDelay();
  client.on('connect', noDelay);
  opts.logger.info(
    { broker: opts.brokerUrl, shared: opts.shared ?? false, mqttVersion: client.options.protocolVersion },
    'ingest: subscribed to uplinks and statuses',
  );
  return ingest;
}
