/**
 * The ingest: validates uplink batches, stores them, and only after the store committed publishes
 * the BatchAck the gateway waits for before deleting anything. It takes its messages either as an
 * ordinary MQTT client (an external broker cluster, the ingest workers: `startIngest`) or, in the
 * embedded layout, straight from the broker in the same process (`startInProcessIngest`: no second
 * TLS and MQTT hop for each batch and ack; docs/region.md, « The ingest in the broker's process »).
 *
 * Group commit: messages are taken into a bounded intake queue and stored a round at a time —
 * every status and batch waiting when the previous round was handed to the store, in one
 * transaction, prepared while that one commits — so a
 * thousand gateways sending small batches cost one fsync per round, not one per batch (one per
 * batch held a 1,000-gateway fleet at p99 13 s on this machine's disk: docs/benchmarks.md,
 * "Fleet"). The broker gets each PUBACK when its message is queued, not stored: the end-to-end
 * BatchAck is what a gateway deletes on, so a crash loses nothing (the gateway resends what was
 * never acked). The queue is bounded in messages and bytes; when full, the message's `done` is held
 * until a round frees room (mqtt.js then reads no further packet, so a slow disk slows intake instead
 * of piling up memory; in the broker's process it holds one of aedes' routing slots, and the embedded
 * broker's uplink credit bounds what gateways may have in flight).
 */
import { randomBytes } from 'node:crypto';
import {
  type BatchAck,
  brokerConnectArgs,
  decodeStatus,
  encodePayload,
  endMqttClient,
  type GatewayStatus,
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
import type { InProcessClient } from '../broker/in-process-client.js';
import type { CloudStore, RejectedReading, StoreBatchResult } from '../store/cloud-store.js';
import { checkUplink, type MalformedReason } from './batch-validation.js';
import { emptyMetrics, type IngestMetrics, OnceLogger } from './ingest-metrics.js';

/** What the ingest does with its messages, whichever way they come. */
export interface IngestSettings {
  store: CloudStore;
  logger: Logger;
  maxPayloadBytes?: number;
  /** Attempts of a batch whose store transaction hit a transient conflict (another worker writing). Default 5. */
  storeAttempts?: number;
  /** Intake queue bound: messages waiting or being stored. Default 1,000. */
  maxQueued?: number;
  /** Intake queue bound: payload bytes waiting or being stored. Default 16 MiB. */
  maxQueuedBytes?: number;
  /** Most messages stored in one transaction. Default 500. */
  maxRound?: number;
  /**
   * Milliseconds a round waits for more messages before it is stored, unless a full round is
   * already queued. A gateway that connects sends its status and its first batches together, and
   * they reach the ingest over a few turns of the event loop: stored at once, the status would take
   * a commit of its own (one fsync, which blocks the loop). Default 5; 0: no wait.
   */
  roundLingerMs?: number;
}

/** The ingest as an MQTT client of a broker (external, or the embedded one's internal listener). */
export interface IngestOptions extends IngestSettings {
  brokerUrl: string;
  /** Subscribe through `$share/…` so several ingest workers split the uplinks (external brokers; aedes has no shared subscriptions). */
  shared?: boolean;
  /** A stable id gives a persistent session (uplinks queue at the broker while ingest restarts); default: random, clean session. */
  clientId?: string;
  /** Extra connection options (credentials, TLS) for an external broker. */
  mqttOptions?: Omit<IClientOptions, 'clientId' | 'clean'>;
  /** MQTT protocol: 4 (3.1.1, default) or 5. */
  mqttVersion?: 4 | 5;
}

/** Lock or serialization conflicts: the transaction rolled back and may simply be run again. */
export function isTransientStoreError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  // SQLite from several processes (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT…); PostgreSQL serialization failure / deadlock.
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED' || code === '40001' || code === '40P01');
}

export type ObservationListener = (observation: Observation) => void;

interface Intake {
  topic: string;
  payload: Buffer;
}

/** Where the ingest's messages come from and its acks go: an MQTT client, or the embedded broker in process. */
interface IngestLink {
  /** Publishes at QoS 1; `cb` when the broker has it (PUBACK, or routed in process). */
  publish(topic: string, payload: Buffer | string, cb: (err?: Error) => void): void;
  isConnected(): boolean;
  end(): Promise<void>;
}

/** What the link hands the ingest: `done` lets the broker go on (held while the intake queue is full). */
type IntakeHandler = (topic: string, payload: Buffer, done: () => void) => void;

/** An uplink batch checked and attributed, waiting for its round's commit. */
interface Uplink {
  gatewayId: string;
  batch: ObservationBatch;
  /** Readings the validation refused (named in the ack). */
  invalid: readonly RejectedReading[];
  /** The readings of patients this gateway serves, under the cloud's ids: what is stored. */
  served: ObservationBatch;
  notServed: readonly RejectedReading[];
}

/** A round checked and attributed, waiting for the store. */
interface PreparedRound {
  /** The last status of each gateway, in arrival order. */
  statuses: Map<string, GatewayStatus>;
  uplinks: Uplink[];
  /**
   * Who serves whom as read for this round, by gateway then local patient id (null: not served):
   * a gateway's second batch in the round asks the store only for patients its first did not name.
   */
  served: Map<string, Map<string, string | null>>;
}

const emptyPrepared = (): PreparedRound => ({ statuses: new Map(), uplinks: [], served: new Map() });

const EMPTY_RESULT: StoreBatchResult = { storedSeqs: [], duplicates: 0, rejected: [], inserted: [] };

export interface Ingest {
  metrics(): IngestMetrics;
  /** Whether the MQTT connection is up right now (for /healthz). */
  isConnected(): boolean;
  /** Called once per newly stored observation, after its batch committed. Returns an unsubscribe function. */
  onObservation(listener: ObservationListener): () => void;
  stop(): Promise<void>;
}

const REASON_MAX = 300;
/** A few ms of ack latency against a commit per gateway saved in a reconnect storm (docs/region.md). */
const DEFAULT_ROUND_LINGER_MS = 5;

/**
 * Machine-readable start of the ack reason for a reading whose patient the cloud's configuration
 * does not assign to the sending gateway (unknown patient, or one served by other carts).
 */
export const PATIENT_NOT_SERVED = 'patient-not-served';
/** Bounds the (gateway, patient) pairs remembered for the once-only audit line. */
const AUDITED_MAX = 10_000;

class LinkedIngest implements Ingest {
  private readonly counters = emptyMetrics();
  private readonly listeners = new Set<ObservationListener>();
  private readonly once: OnceLogger;
  /** (gateway, patient) pairs already written to the audit trail as refused. */
  private readonly auditedRefusals = new Set<string>();
  private readonly maxBytes: number;
  private inFlight: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Messages taken from the broker and not yet stored, oldest first. */
  private readonly queue: Intake[] = [];
  /** Messages (and their bytes) queued or in the round being stored. */
  private held = 0;
  private heldBytes = 0;
  /** The broker's callbacks of the messages taken while the queue was full: the flow waits until they run. */
  private paused: (() => void)[] = [];
  private flushing = false;
  /** Wakes a flush waiting for its commit or the next message, whichever comes first. */
  private arrival: { promise: Promise<void>; wake: () => void } | null = null;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private readonly maxRound: number;
  private readonly lingerMs: number;

  constructor(
    private readonly link: IngestLink,
    private readonly opts: IngestSettings,
  ) {
    this.once = new OnceLogger(opts.logger);
    this.maxBytes = opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.maxQueued = Math.max(1, opts.maxQueued ?? 1000);
    this.maxQueuedBytes = Math.max(this.maxBytes, opts.maxQueuedBytes ?? 16 * 2 ** 20);
    this.maxRound = Math.max(1, opts.maxRound ?? 500);
    this.lingerMs = Math.max(0, opts.roundLingerMs ?? DEFAULT_ROUND_LINGER_MS);
  }

  /** Takes a message into the intake queue (the link's handler). */
  readonly take: IntakeHandler = (topic, payload, done) => {
    this.queue.push({ topic, payload });
    this.held++;
    this.heldBytes += payload.byteLength;
    if (this.hasRoom()) done();
    else this.paused.push(done);
    this.kick();
  };

  metrics(): IngestMetrics {
    return structuredClone(this.counters);
  }

  isConnected(): boolean {
    return this.link.isConnected();
  }

  onObservation(listener: ObservationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // A round started by the last kick may follow the one awaited: wait until none is running.
    while (this.flushing) await this.inFlight;
    await this.link.end();
    // Whatever the broker still waits on goes on unstored (never acked: the gateways resend it).
    for (const resume of this.paused.splice(0)) resume();
    this.listeners.clear();
  }

  private hasRoom(): boolean {
    return this.held < this.maxQueued && this.heldBytes < this.maxQueuedBytes;
  }

  /** Starts storing rounds unless a round is being stored (that one's loop takes what is queued). */
  private kick(): void {
    if (this.flushing) {
      const a = this.arrival;
      this.arrival = null;
      a?.wake();
      return;
    }
    this.flushing = true;
    this.inFlight = this.flush()
      .catch((e: unknown) => {
        // The rounds catch their own failures; this is the last guard so intake never stops.
        this.opts.logger.error({ err: e }, 'ingest: unexpected error');
      })
      .finally(() => {
        this.flushing = false;
        // A message queued after the loop's last look but before the flag dropped.
        if (this.queue.length > 0) this.kick();
      });
  }

  /**
   * Rounds overlap: while the store commits round N (the SQLite intake thread, or PostgreSQL), the
   * loop prepares round N+1 (decoding, validation, attribution) from what arrives meanwhile, and
   * hands it to the store once N's commit returned and N was acked. One commit at a time, so acks
   * keep their order, and a batch is acked only after its own commit (docs/architecture.md, contract 2).
   */
  private async flush(): Promise<void> {
    let committing: { promise: Promise<void>; done: boolean } | null = null;
    let round: Intake[] = [];
    let prepared = emptyPrepared();
    try {
      for (;;) {
        if (this.queue.length > 0 && round.length < this.maxRound) {
          // What is on its way (read by the broker, not yet by this client) joins this round's commit.
          if (committing === null && round.length === 0 && this.lingerMs > 0 && this.queue.length < this.maxRound && !this.stopping)
            await new Promise((r) => setTimeout(r, this.lingerMs));
          const taken = this.queue.splice(0, this.maxRound - round.length);
          round.push(...taken);
          await this.prepareInto(prepared, taken);
          // Keep preparing what arrives while the last round commits.
          if (committing !== null && !committing.done) continue;
        }
        if (committing !== null) {
          if (!committing.done && round.length < this.maxRound) {
            await Promise.race([committing.promise, this.nextArrival()]);
            continue;
          }
          await committing.promise;
          committing = null;
        }
        if (round.length === 0) return;
        const r = round;
        const p = prepared;
        round = [];
        prepared = emptyPrepared();
        const c: { promise: Promise<void>; done: boolean } = {
          done: false,
          promise: this.commitRound(r.length, p).finally(() => {
            this.release(r);
            c.done = true;
          }),
        };
        committing = c;
      }
    } finally {
      // Only on an unexpected error: what was taken and not handed over is not acked (the gateways resend).
      if (round.length > 0) this.release(round);
      if (committing !== null) await committing.promise;
    }
  }

  /** Resolves when the next message is queued while a flush runs. */
  private nextArrival(): Promise<void> {
    if (this.arrival === null) {
      let wake: () => void = () => undefined;
      const promise = new Promise<void>((r) => {
        wake = r;
      });
      this.arrival = { promise, wake };
    }
    return this.arrival.promise;
  }

  /** A round's messages leave the intake bound; the broker's flow resumes if it was paused. */
  private release(round: readonly Intake[]): void {
    this.held -= round.length;
    for (const m of round) this.heldBytes -= m.payload.byteLength;
    while (this.paused.length > 0 && this.hasRoom()) (this.paused.shift() as () => void)();
  }

  private malformed(reason: MalformedReason, gatewayId: string, topic: string, payload: Uint8Array, error: string): void {
    this.counters.malformed[reason]++;
    this.counters.malformedTotal++;
    this.once.warn(gatewayId, reason, { topic, payload, error });
  }

  /** Messages checked and attributed into a round being prepared (a gateway's last status wins). */
  private async prepareInto(into: PreparedRound, messages: readonly Intake[]): Promise<void> {
    for (const m of messages) {
      const parsed = parseTopic(m.topic);
      if (parsed?.kind === 'uplink') {
        const u = await this.prepareUplink(m.topic, parsed.gatewayId, parsed.lane, m.payload, into.served);
        if (u) into.uplinks.push(u);
      } else if (parsed?.kind === 'status') {
        const st = this.checkStatus(m.topic, parsed.gatewayId, m.payload);
        if (st) {
          // Last received wins: re-inserted so the map's order is arrival order.
          into.statuses.delete(st.gatewayId);
          into.statuses.set(st.gatewayId, st);
        }
      } else this.malformed('unknown-topic', parsed?.gatewayId ?? '?', m.topic, m.payload, 'not an uplink or status topic');
    }
  }

  /**
   * One round stored: the statuses and the batches in one transaction, then each batch acked. If
   * that transaction fails, the round is stored message by message, so one batch the store refuses
   * does not hold up the others.
   */
  private async commitRound(messages: number, { statuses, uplinks }: PreparedRound): Promise<void> {
    // Sorted by gateway: ingest workers on one PostgreSQL take row locks in one order.
    const sts = [...statuses.values()].sort((a, b) => (a.gatewayId < b.gatewayId ? -1 : a.gatewayId > b.gatewayId ? 1 : 0));
    try {
      await this.storePrepared(messages, sts, uplinks);
    } catch (e) {
      // storePrepared() catches the store's failures; this is the last guard so intake never stops.
      this.opts.logger.error({ err: e }, 'ingest: unexpected error');
    }
  }

  private async storePrepared(messages: number, sts: readonly GatewayStatus[], uplinks: readonly Uplink[]): Promise<void> {
    const toStore = uplinks.filter((u) => u.served.observations.length > 0);
    if (sts.length === 0 && toStore.length === 0) {
      for (const u of uplinks) this.finishUplink(u, EMPTY_RESULT);
      return;
    }
    let results: StoreBatchResult[];
    try {
      results = await this.withRetry(() =>
        this.opts.store.storeIntake(
          toStore.map((u) => u.served),
          sts,
        ),
      );
      this.counters.storeCommits++;
    } catch (e) {
      if (messages > 1) {
        this.opts.logger.warn({ err: e, messages }, 'ingest: a round could not be stored whole; storing it message by message');
        return this.storeOneByOne(sts, uplinks);
      }
      // Nothing acked: the gateway keeps the batch and resends it (a status comes again with the next).
      this.counters.storeErrors++;
      const u = uplinks[0];
      if (u) this.opts.logger.error({ err: e, gatewayId: u.gatewayId, batchId: u.batch.batchId }, 'ingest: store failed, batch not acked');
      else this.opts.logger.error({ err: e, gatewayId: sts[0]?.gatewayId }, 'ingest: could not store gateway status');
      return;
    }
    this.counters.statusesReceived += sts.length;
    const byUplink = new Map<Uplink, StoreBatchResult>();
    for (const [i, u] of toStore.entries()) byUplink.set(u, results[i] as StoreBatchResult);
    for (const u of uplinks) this.finishUplink(u, byUplink.get(u) ?? EMPTY_RESULT);
  }

  /** The fallback of a round whose transaction failed: each status and batch in its own. */
  private async storeOneByOne(statuses: readonly GatewayStatus[], uplinks: readonly Uplink[]): Promise<void> {
    for (const st of statuses) {
      try {
        await this.withRetry(() => this.opts.store.upsertGatewayStatus(st));
        this.counters.statusesReceived++;
        this.counters.storeCommits++;
      } catch (e) {
        this.counters.storeErrors++;
        this.opts.logger.error({ err: e, gatewayId: st.gatewayId }, 'ingest: could not store gateway status');
      }
    }
    for (const u of uplinks) {
      let result = EMPTY_RESULT;
      if (u.served.observations.length > 0) {
        try {
          result = await this.withRetry(() => this.opts.store.storeBatch(u.served));
          this.counters.storeCommits++;
        } catch (e) {
          // Nothing acked: the gateway keeps the batch and resends it.
          this.counters.storeErrors++;
          this.opts.logger.error({ err: e, gatewayId: u.gatewayId, batchId: u.batch.batchId }, 'ingest: store failed, batch not acked');
          continue;
        }
      }
      this.finishUplink(u, result);
    }
  }

  private checkStatus(topic: string, gatewayId: string, payload: Buffer): GatewayStatus | null {
    if (payload.byteLength === 0) return null; // a retained status being cleared
    if (payload.byteLength > this.maxBytes) {
      this.malformed('oversize', gatewayId, topic, payload, `payload of ${payload.byteLength} bytes exceeds ${this.maxBytes}`);
      return null;
    }
    const r = decodeStatus(payload);
    if (!r.ok) {
      this.malformed(r.error.startsWith('not JSON') ? 'not-json' : 'schema', gatewayId, topic, payload, r.error);
      return null;
    }
    if (r.value.gatewayId !== gatewayId) {
      this.malformed('topic-mismatch', gatewayId, topic, payload, `status of gateway ${r.value.gatewayId} on the topic of ${gatewayId}`);
      return null;
    }
    return r.value;
  }

  /** A batch checked and split by who serves its patients; null when the whole message is refused. */
  private async prepareUplink(
    topic: string,
    gatewayId: string,
    lane: Lane,
    payload: Buffer,
    roundServed: Map<string, Map<string, string | null>>,
  ): Promise<Uplink | null> {
    this.counters.batchesReceived++;
    const checked = checkUplink(payload, { gatewayId, lane }, this.maxBytes);
    if (!checked.ok) {
      this.malformed(checked.reason, gatewayId, topic, payload, checked.error);
      return null;
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
    try {
      let known = roundServed.get(gatewayId);
      if (!known) {
        known = new Map();
        roundServed.set(gatewayId, known);
      }
      const attributed = await this.attribute(gatewayId, batch, known);
      return { gatewayId, batch, invalid: checked.rejected, served: attributed.served, notServed: attributed.refused };
    } catch (e) {
      // Nothing acked: the gateway keeps the batch and resends it.
      this.counters.storeErrors++;
      this.opts.logger.error({ err: e, gatewayId, batchId: batch.batchId }, 'ingest: store failed, batch not acked');
      return null;
    }
  }

  /** After the commit: counters, listeners, and the ack the gateway deletes on. */
  private finishUplink(u: Uplink, result: StoreBatchResult): void {
    const { gatewayId, batch, notServed } = u;
    for (const r of result.rejected) {
      // Same seq under another id means the gateway's numbering is broken: say it loudly, every time.
      this.opts.logger.error({ gatewayId, batchId: batch.batchId, seq: r.seq, reason: r.reason }, 'ingest: reading rejected by the store');
    }

    // Counted once acked: a batch whose store failed comes again and is decided again.
    this.counters.readingsNotServed += notServed.length;
    this.counters.observationsStored += result.inserted.length;
    this.counters.duplicates += result.duplicates;
    const rejected: RejectedReading[] = [...u.invalid, ...notServed, ...result.rejected].map((r) => ({
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
    this.link.publish(topics.ack(gatewayId), encodePayload(ack), (err) => {
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
   * and local id) and never create nor link a patient, whatever the reading claims. `known`: what
   * this round already read for this gateway (filled here), so the store is asked once per gateway,
   * local id and round (docs/region.md, « Where a gateway's milliseconds go »).
   */
  private async attribute(
    gatewayId: string,
    batch: ObservationBatch,
    known: Map<string, string | null>,
  ): Promise<{ served: ObservationBatch; refused: RejectedReading[] }> {
    const ids = [...new Set(batch.observations.map((o) => o.patient.id))].filter((id) => !known.has(id));
    if (ids.length > 0) {
      const read = await this.withRetry(() => this.opts.store.servedPatients(gatewayId, ids));
      for (const id of ids) known.set(id, read.get(id) ?? null);
    }
    const refused: RejectedReading[] = [];
    const firstSeq = new Map<string, number>();
    const kept: Observation[] = [];
    for (const o of batch.observations) {
      const patientId = known.get(o.patient.id);
      if (patientId !== undefined && patientId !== null) {
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
  const ingest = new LinkedIngest(mqttLink(client), opts);
  // Installed before the first packet can arrive: a persistent session may deliver queued uplinks at once.
  client.handleMessage = (packet, done) =>
    ingest.take(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload, () => done());
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

function mqttLink(client: MqttClient): IngestLink {
  return {
    publish: (topic, payload, cb) => client.publish(topic, payload, { qos: 1 }, (err) => cb(err ?? undefined)),
    isConnected: () => client.connected,
    end: () => endMqttClient(client),
  };
}

/**
 * The ingest in the embedded broker's process: each uplink and status handed over by aedes as it
 * routes them, each ack published through it, with the same checks, rounds and acks as over MQTT
 * (contract 2: topics, payloads, QoS 1 toward the gateway, an ack only after its commit). The
 * gateway's ACL (its own topics only) is the broker's `authorizePublish`, before the message reaches
 * the ingest, as before.
 */
export async function startInProcessIngest(client: InProcessClient, opts: IngestSettings): Promise<Ingest> {
  const ingest = new LinkedIngest(
    {
      publish: (topic, payload, cb) => client.publish(topic, payload, 1, cb),
      isConnected: () => client.connected(),
      end: () => client.end(),
    },
    opts,
  );
  await client.subscribe([topics.allUplinks(false), topics.allStatuses()], ingest.take);
  opts.logger.info({ broker: 'in-process' }, 'ingest: subscribed to uplinks and statuses');
  return ingest;
}
