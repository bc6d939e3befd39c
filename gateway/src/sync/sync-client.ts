/**
 * Store → cloud over MQTT, deleted only on the cloud's end-to-end ack (contract 2, docs/architecture.md).
 *
 * Batches of one lane go to telecart/v1/gw/{id}/up/{lane} with QoS 1; up to `inFlight` batches
 * wait for their BatchAck at once; a batch not acked within `ackTimeoutMs` is dropped from the
 * window and its readings go again (the cloud is idempotent, so redelivery is safe). The client
 * wakes as soon as a reading is committed. Broker down or cloud silent: the store just grows.
 *
 * Link budget (contract 3, docs/architecture.md). MQTT is one TCP stream: bytes already written are ahead of an alarm
 * whatever its priority, so what may be ahead of it is bounded instead:
 *   - alarm batches ignore the window (they are small and rare) and leave as soon as committed;
 *   - waveform batches are small (waveformBatchMaxBytes), at most waveformInFlight (1) unacked,
 *     and none is written while the socket still buffers more than maxBufferedBytes;
 *   - spot batches share the window with waveforms but never wait for them;
 *   - spot + waveform batches awaiting their ack stay under what the link clears in
 *     unackedTargetMs at the measured delivery rate (floor maxUnackedBytes).
 * Worst case ahead of an alarm ≈ waveformBatchMaxBytes (or one larger single observation, which
 * goes alone) + maxBufferedBytes: ~0.3 s at 1 Mbit/s with the defaults (docs/sync-protocol.md).
 * Batches go as JSON + deflate (docs/encoding.md), built from the stored JSON without re-parsing.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Clock, systemClock } from '@telecart/devices';
import {
  type BatchAck,
  brokerConnectArgs,
  decodeAck,
  encodeJsonText,
  encodePayload,
  endMqttClient,
  type GatewayStatus,
  type Lane,
  MAX_BATCH_OBSERVATIONS,
  type PayloadFormat,
  PROTOCOL_VERSION,
  topics,
  toSeqRanges,
  validators,
} from '@telecart/protocol';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { type Logger, silentLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ReadingStore } from '../store/reading-store.js';
import { RECONNECT_DEFAULTS } from './backoff.js';
import { attachReconnectBackoff } from './reconnect-backoff.js';
import { attachTlsSessions, type TlsSessionCounts, TlsSessions } from './tls-session.js';

export interface SyncOptions {
  batchMaxCount: number;
  batchMaxBytes: number;
  ackTimeoutMs: number;
  inFlight: number;
  /** How often the retained online status (with backlog) is refreshed. Default 60 s. */
  statusIntervalMs?: number;
  /** First MQTT reconnect delay; doubled (with jitter) after each failed attempt. Default 2 s (RECONNECT_DEFAULTS). */
  reconnectPeriodMs?: number;
  /** Ceiling of the reconnect delay. Default 30 s (RECONNECT_DEFAULTS). */
  reconnectMaxMs?: number;
  /** Byte budget of one waveform batch (JSON): what can be on the wire ahead of an alarm. Default 16 KiB. */
  waveformBatchMaxBytes?: number;
  /** Waveform batches awaiting their ack at once. Default 1. */
  waveformInFlight?: number;
  /** No spot or waveform batch is written while the socket buffers more than this. Default 16 KiB. */
  maxBufferedBytes?: number;
  /** Batch encoding on the wire. Default 'json+deflate'. */
  payloadFormat?: PayloadFormat;
  /** Floor of the unacked spot + waveform bytes (one batch may always go). Default 32 KiB. */
  maxUnackedBytes?: number;
  /**
   * Unacked spot + waveform bytes may reach the measured delivery rate × this (what the link
   * clears in that time), above the floor: fast links pipeline deeply, slow links keep alarms
   * close to the front. Default 250 ms.
   */
  unackedTargetMs?: number;
}

export const SYNC_DEFAULTS = {
  waveformBatchMaxBytes: 16 * 1024,
  waveformInFlight: 1,
  maxBufferedBytes: 16 * 1024,
  maxUnackedBytes: 32 * 1024,
  unackedTargetMs: 250,
  payloadFormat: 'json+deflate' as PayloadFormat,
} as const;

export interface SyncClientOptions extends SyncOptions {
  gatewayId: string;
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://… */
  url: string;
  store: ReadingStore;
  clock?: Clock;
  /** Random source of the reconnect jitter (tests inject one). Default Math.random. */
  random?: () => number;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Software version announced in the status. */
  version?: string;
  /** Devices announced in the status. */
  devices?: () => NonNullable<GatewayStatus['devices']>;
  /** Extra MQTT options (credentials, TLS); clientId, clean and will are the sync client's. */
  mqtt?: Omit<IClientOptions, 'clientId' | 'clean' | 'will' | 'reconnectPeriod'>;
}

export interface SentBatch {
  batchId: string;
  lane: Lane;
  seqs: number[];
  bytes: number;
}

export interface AppliedAck {
  batchId: string;
  stored: number;
  rejected: number;
  duplicates: number;
}

export type IgnoredAckReason = 'malformed' | 'other-gateway' | 'unknown-batch' | 'unexpected-topic';

export interface SyncCounters {
  batchesSent: number;
  readingsSent: number;
  /** Payload bytes published (after encoding), resends included. */
  bytesSent: number;
  batchesAcked: number;
  batchesTimedOut: number;
  readingsAcked: number;
  readingsRejected: number;
  acksIgnored: number;
}

export interface SyncState {
  url: string;
  connected: boolean;
  inFlight: number;
  lastConnectedAt: string | null;
  lastAckAt: string | null;
  lastError: string | null;
  counters: SyncCounters;
  /** TLS handshakes with the broker, full or resumed from a kept session ticket (tls-session.ts). */
  tlsHandshakes: TlsSessionCounts;
}

export interface SyncClientEvents {
  connected: [{ sessionPresent: boolean }];
  disconnected: [];
  sent: [SentBatch];
  acked: [AppliedAck];
  timeout: [SentBatch];
  ignored: [{ reason: IgnoredAckReason; detail: string }];
}

interface InFlight extends SentBatch {
  timer: NodeJS.Timeout;
}

/** Acks of spot/waveform batches kept to measure the delivery rate. */
const RATE_SAMPLES = 8;

/** Room left in a batch payload for the envelope (ids, lane, sentAt) around the observations. */
const ENVELOPE_BYTES = 512;
/** Timed-out batches whose late ack is still honoured. */
const MAX_EXPIRED = 1024;

export class SyncClient extends EventEmitter<SyncClientEvents> {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly ackTopic: string;
  private client: MqttClient | undefined;
  private readonly tlsSessions = new TlsSessions();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly inFlightSeqs = new Set<number>();
  private readonly expired = new Map<string, SentBatch>();
  private pumpScheduled = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly drainWatched = new WeakSet<object>();
  /** (time, encoded bytes) of the last spot/waveform acks: the link's delivery rate. */
  private readonly delivered: { at: number; bytes: number }[] = [];
  private readonly counters: SyncCounters = {
    batchesSent: 0,
    readingsSent: 0,
    bytesSent: 0,
    batchesAcked: 0,
    batchesTimedOut: 0,
    readingsAcked: 0,
    readingsRejected: 0,
    acksIgnored: 0,
  };
  private lastConnectedAt: string | null = null;
  private lastAckAt: string | null = null;
  private lastError: string | null = null;
  private readonly onStoreChange = () => this.wake();
  /** A store fill-level change (the store-full alarm) is told to the cloud at once, not at the next status tick. */
  private readonly onCapacity = () => this.publishStatus(true);
  /** Other topics on this connection (the teleconsult agent's rtc/down): subscribed at each connect. */
  private readonly routes = new Map<string, (payload: Buffer) => void>();

  constructor(private readonly opts: SyncClientOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.logger = opts.logger ?? silentLogger;
    this.ackTopic = topics.ack(opts.gatewayId);
  }

  start(): void {
    if (this.client) return;
    const o = this.opts;
    o.store.on('recorded', this.onStoreChange);
    o.store.on('assigned', this.onStoreChange);
    o.store.on('capacity', this.onCapacity);
    // A list of cluster nodes: mqtt.js moves to the next one on each reconnection.
    const target = brokerConnectArgs(o.url);
    const client = connect(target.url, {
      ...(target.servers ? { servers: target.servers } : {}),
      // Longer than the broker holds a connection it cannot admit yet (protocol BROKER_CONNECT_HOLD_MS):
      // a gateway held in a storm is admitted, not timed out into another attempt.
      connectTimeout: RECONNECT_DEFAULTS.connectTimeoutMs,
      keepalive: 30,
      // mqtt-packet otherwise builds, at the first packet, a Buffer for each of the 65,536 2-byte
      // numbers: 6.6 MiB of heap held for the process's life (docs/footprint.md); making the few a
      // packet needs costs nothing measurable.
      writeCache: false,
      ...o.mqtt,
      clientId: o.gatewayId,
      // A persistent session: acks published while we were away are kept for us by the broker.
      clean: false,
      reconnectPeriod: o.reconnectPeriodMs ?? RECONNECT_DEFAULTS.baseMs,
      will: this.will(),
    });
    this.client = client;
    // The newest session ticket is offered on reconnect: a cloud restart costs a resumed handshake.
    attachTlsSessions(client, this.tlsSessions);
    client.on('connect', (connack) => this.onConnect(connack.sessionPresent));
    const base = o.reconnectPeriodMs ?? RECONNECT_DEFAULTS.baseMs;
    const max = Math.max(base, o.reconnectMaxMs ?? RECONNECT_DEFAULTS.maxMs);
    // Exponential backoff, jittered so a fleet of carts does not reconnect in lockstep after a cloud
    // restart, and longer after the broker shed an attempt (the same policy as the fleet simulator's).
    attachReconnectBackoff(client, { baseMs: base, maxMs: max }, this.random);
    client.on('reconnect', () => {
      // The will is sent in the CONNECT packet: refresh its timestamp for this attempt.
      client.options.will = this.will();
    });
    client.on('close', () => {
      if (this.lastConnectedAt !== null && !this.stopping) this.emit('disconnected');
    });
    client.on('offline', () => this.logger.warn({ url: o.url }, 'cloud broker unreachable; readings stay in the local store'));
    client.on('error', (e) => {
      this.lastError = e.message;
      this.logger.warn({ url: o.url, err: e.message }, 'MQTT error');
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.statusTimer = setInterval(() => this.publishStatus(true), o.statusIntervalMs ?? 60_000);
    this.statusTimer.unref();
  }

  /** Sends what can be sent now (coalesced: many calls in one tick make one pass). */
  wake(): void {
    if (this.pumpScheduled || this.stopping) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Receives `topic` on this connection (the broker knows one client per gateway id); returns the undo. */
  route(topic: string, onMessage: (payload: Buffer) => void): () => void {
    this.routes.set(topic, onMessage);
    if (this.client?.connected) this.client.subscribe(topic, { qos: 1 });
    return () => {
      this.routes.delete(topic);
      if (this.client?.connected) this.client.unsubscribe(topic);
    };
  }

  /** Publishes another module's message (QoS 1) on this connection; rejects when offline. */
  async publishOther(topic: string, payload: string | Buffer): Promise<void> {
    const client = this.client;
    if (!client?.connected || this.stopping) throw new Error('not connected to the cloud broker');
    await client.publishAsync(topic, payload, { qos: 1 });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  state(): SyncState {
    return {
      url: this.opts.url,
      connected: this.connected,
      inFlight: this.inFlight.size,
      lastConnectedAt: this.lastConnectedAt,
      lastAckAt: this.lastAckAt,
      lastError: this.lastError,
      counters: { ...this.counters },
      tlsHandshakes: this.tlsSessions.stats(),
    };
  }

  /** Announces offline status, closes the connection; readings not acked stay in the store. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.opts.store.off('recorded', this.onStoreChange);
    this.opts.store.off('assigned', this.onStoreChange);
    this.opts.store.off('capacity', this.onCapacity);
    clearInterval(this.statusTimer);
    for (const b of this.inFlight.values()) clearTimeout(b.timer);
    this.inFlight.clear();
    this.inFlightSeqs.clear();
    const client = this.client;
    if (!client) return;
    // The last status (offline, retained): endMqttClient gives it 2 s to be acknowledged, then disconnects.
    if (client.connected) {
      const status = this.status(false);
      client.publishAsync(topics.status(this.opts.gatewayId), encodePayload(status), { qos: 1, retain: true }).catch(() => undefined);
    }
    await endMqttClient(client).catch(() => undefined);
  }

  private onConnect(sessionPresent: boolean): void {
    const client = this.client;
    if (!client) return;
    this.lastConnectedAt = new Date(this.clock.now()).toISOString();
    this.lastError = null;
    // No Nagle: a lone alarm or spot batch must not wait for the ack of the previous segment
    // (with delayed ACKs that costs ~40 ms per small publish).
    (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
    this.logger.info({ url: this.opts.url, sessionPresent }, 'connected to the cloud broker');
    for (const topic of this.routes.keys()) client.subscribe(topic, { qos: 1 });
    client.subscribe(this.ackTopic, { qos: 1 }, (err) => {
      if (err) this.logger.warn({ err: err.message }, 'ack subscription failed; will retry on reconnect');
    });
    if (!sessionPresent && this.inFlight.size > 0) {
      // The broker lost our session (restarted without persistence): acks for these may be gone.
      for (const b of [...this.inFlight.values()]) this.expire(b);
    }
    this.publishStatus(true);
    this.emit('connected', { sessionPresent });
    this.pump();
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.stopping) return;
    const o = this.opts;
    const window = o.inFlight;
    const waveformWindow = Math.max(1, o.waveformInFlight ?? SYNC_DEFAULTS.waveformInFlight);
    const maxBuffered = o.maxBufferedBytes ?? SYNC_DEFAULTS.maxBufferedBytes;
    const batchMaxCount = Math.min(o.batchMaxCount, MAX_BATCH_OBSERVATIONS);
    const budget = Math.max(1, o.batchMaxBytes - ENVELOPE_BYTES - batchMaxCount);
    const waveformBudget = Math.max(1, Math.min(budget, o.waveformBatchMaxBytes ?? SYNC_DEFAULTS.waveformBatchMaxBytes));
    const maxUnacked = Math.max(
      o.maxUnackedBytes ?? SYNC_DEFAULTS.maxUnackedBytes,
      this.deliveryRate() * ((o.unackedTargetMs ?? SYNC_DEFAULTS.unackedTargetMs) / 1000),
    );
    for (;;) {
      const open = { alarm: 0, spot: 0, waveform: 0 };
      let unacked = 0;
      for (const b of this.inFlight.values()) {
        open[b.lane]++;
        if (b.lane !== 'alarm') unacked += b.bytes;
      }
      const buffered = this.bufferedBytes(client);
      const lanes: Lane[] = [];
      // Alarms: their own window, and written even when the socket is busy (they are tiny).
      if (open.alarm < window) lanes.push('alarm');
      // Spot and waveform: bounded in batches, in unacked wire bytes and in bytes still in the socket.
      if (buffered <= maxBuffered && (unacked === 0 || unacked < maxUnacked)) {
        if (open.spot + open.waveform < window) lanes.push('spot');
        if (open.spot + open.waveform < window && open.waveform < waveformWindow) lanes.push('waveform');
      }
      if (lanes.length === 0) return;
      const batch = o.store.nextBatch(batchMaxCount, budget, {
        exclude: this.inFlightSeqs,
        lanes,
        maxBytesByLane: { waveform: waveformBudget },
      });
      if (!batch) return;
      this.send(client, batch.lane, batch.seqs, batch.json);
    }
  }

  private send(client: MqttClient, lane: Lane, seqs: number[], json: string): void {
    const batchId = randomUUID();
    const sentAt = new Date(this.clock.now()).toISOString();
    // The envelope of an ObservationBatch around the stored (already validated) observation texts, comma-joined by the store.
    const text = `{"v":${PROTOCOL_VERSION},"batchId":"${batchId}","gatewayId":${JSON.stringify(this.opts.gatewayId)},"lane":"${lane}","sentAt":"${sentAt}","observations":[${json}]}`;
    const bytes = encodeJsonText(text, this.opts.payloadFormat ?? SYNC_DEFAULTS.payloadFormat);
    const sent: SentBatch = { batchId, lane, seqs, bytes: bytes.byteLength };
    const timer = setTimeout(() => {
      const b = this.inFlight.get(sent.batchId);
      if (b) this.expire(b);
    }, this.opts.ackTimeoutMs);
    this.inFlight.set(sent.batchId, { ...sent, timer });
    for (const s of sent.seqs) this.inFlightSeqs.add(s);
    client.publish(topics.uplink(this.opts.gatewayId, lane), bytes, { qos: 1 }, (err) => {
      if (err) this.logger.warn({ batchId: sent.batchId, err: err.message }, 'batch publish failed; it will be sent again');
    });
    this.counters.batchesSent++;
    this.counters.readingsSent += seqs.length;
    this.counters.bytesSent += bytes.byteLength;
    this.opts.metrics?.batchesSent.inc({ lane });
    this.opts.metrics?.uplinkBytes.inc({ lane }, bytes.byteLength);
    this.logger.debug({ batchId: sent.batchId, lane, count: seqs.length, bytes: sent.bytes }, 'batch sent');
    this.emit('sent', sent);
  }

  /** Bytes/s acknowledged over the last few spot/waveform acks; 0 until measured. */
  private deliveryRate(): number {
    const d = this.delivered;
    if (d.length < 2) return 0;
    const first = d[0] as { at: number };
    const span = (d[d.length - 1] as { at: number }).at - first.at;
    if (span < 5) return 0;
    let bytes = 0;
    for (let i = 1; i < d.length; i++) bytes += (d[i] as { bytes: number }).bytes;
    return (bytes * 1000) / span;
  }

  /** Bytes the socket still holds (mqtt.js queues in the stream); re-pumps once it drains. */
  private bufferedBytes(client: MqttClient): number {
    const stream = (client as unknown as { stream?: NodeJS.WritableStream & { writableLength?: number } }).stream;
    if (!stream) return 0;
    if (!this.drainWatched.has(stream)) {
      this.drainWatched.add(stream);
      stream.on('drain', () => this.wake());
    }
    return stream.writableLength ?? 0;
  }

  /** No ack in time: free the slot so the readings go again; a late ack is still honoured. */
  private expire(b: InFlight): void {
    clearTimeout(b.timer);
    this.release(b);
    const { timer: _t, ...sent } = b;
    this.expired.set(b.batchId, sent);
    if (this.expired.size > MAX_EXPIRED) {
      const oldest = this.expired.keys().next().value;
      if (oldest !== undefined) this.expired.delete(oldest);
    }
    this.counters.batchesTimedOut++;
    this.opts.metrics?.batchesResent.inc();
    this.logger.info({ batchId: b.batchId, lane: b.lane, count: b.seqs.length }, 'no ack in time; readings will be sent again');
    this.emit('timeout', sent);
    this.wake();
  }

  private release(b: InFlight): void {
    this.inFlight.delete(b.batchId);
    for (const s of b.seqs) this.inFlightSeqs.delete(s);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const routed = this.routes.get(topic);
    if (routed) {
      // Another module's topic (the teleconsult agent): its failure must not take the sync down.
      try {
        routed(payload);
      } catch (e) {
        this.logger.warn({ topic, err: (e as Error).message }, 'routed message handler failed');
      }
      return;
    }
    if (topic !== this.ackTopic) {
      this.ignore('unexpected-topic', topic.slice(0, 200));
      return;
    }
    const decoded = decodeAck(payload);
    if (!decoded.ok) {
      this.ignore('malformed', decoded.error);
      return;
    }
    const ack = decoded.value;
    if (ack.gatewayId !== this.opts.gatewayId) {
      this.ignore('other-gateway', `ack for gateway "${ack.gatewayId}"`);
      return;
    }
    const live = this.inFlight.get(ack.batchId);
    const batch: SentBatch | undefined = live ?? this.expired.get(ack.batchId);
    if (!batch) {
      this.ignore('unknown-batch', `batch ${ack.batchId} (its readings, if any, are sent again)`);
      return;
    }
    try {
      this.apply(ack, batch);
    } catch (e) {
      // The store could not take the ack (e.g. SQLITE_FULL: disk full). Its transaction rolled
      // back, so the readings are still pending: leave the batch to its ack timer, which sends
      // them again later (acked as duplicates), instead of dying in the MQTT handler.
      this.logger.warn({ batchId: ack.batchId, err: (e as Error).message }, 'could not apply an ack; its readings will be sent again');
      return;
    }
    if (live) {
      clearTimeout(live.timer);
      this.release(live);
      if (live.lane !== 'alarm') {
        this.delivered.push({ at: this.clock.now(), bytes: live.bytes });
        if (this.delivered.length > RATE_SAMPLES) this.delivered.shift();
      }
    } else this.expired.delete(ack.batchId);
    this.wake();
  }

  /** Applies an ack, only to the readings the batch carried: an ack can never drop anything else. */
  private apply(ack: BatchAck, batch: SentBatch): void {
    const carried = new Set(batch.seqs);
    const inRange = (s: number) => ack.stored.some(([a, b]) => s >= a && s <= b);
    const stored = toSeqRanges(batch.seqs.filter(inRange));
    const removed = this.opts.store.markStored(stored);
    let rejected = 0;
    for (const r of ack.rejected) {
      if (!carried.has(r.seq)) continue;
      if (this.opts.store.markRejected(r.seq, r.reason)) {
        rejected++;
        this.logger.warn({ seq: r.seq, reason: r.reason, batchId: ack.batchId }, 'the cloud rejected a reading; quarantined');
      }
    }
    this.counters.batchesAcked++;
    this.counters.readingsAcked += removed;
    this.counters.readingsRejected += rejected;
    this.lastAckAt = new Date(this.clock.now()).toISOString();
    this.opts.metrics?.batchesAcked.inc();
    this.opts.metrics?.readingsAcked.inc(removed);
    this.opts.metrics?.readingsRejected.inc(rejected);
    this.emit('acked', { batchId: ack.batchId, stored: removed, rejected, duplicates: ack.duplicates });
  }

  private ignore(reason: IgnoredAckReason, detail: string): void {
    this.counters.acksIgnored++;
    this.opts.metrics?.acksIgnored.inc({ reason });
    this.logger.warn({ reason, detail: detail.slice(0, 300) }, 'ack ignored');
    this.emit('ignored', { reason, detail });
  }

  private status(online: boolean): GatewayStatus {
    const s = this.opts.store.stats();
    const status: GatewayStatus = {
      v: 1,
      gatewayId: this.opts.gatewayId,
      online,
      at: new Date(this.clock.now()).toISOString(),
      backlog: {
        readings: s.pending,
        bytes: s.bytes,
        oldestUnsyncedAt: s.oldestUnsyncedAt === null ? null : new Date(s.oldestUnsyncedAt).toISOString(),
        held: s.held,
        capacity: {
          level: s.capacity.level,
          usedBytes: s.capacity.usedBytes,
          maxBytes: Number.isFinite(s.capacity.maxBytes) ? s.capacity.maxBytes : null,
        },
      },
    };
    if (this.opts.version !== undefined) status.version = this.opts.version.slice(0, 32);
    const devices = this.opts.devices?.();
    if (devices && devices.length > 0) status.devices = devices.slice(0, 64);
    if (!validators.status.validate(status).ok) {
      // Never let a device's odd name keep the status from going out.
      delete status.devices;
    }
    return status;
  }

  private will(): NonNullable<IClientOptions['will']> {
    const offline: GatewayStatus = { v: 1, gatewayId: this.opts.gatewayId, online: false, at: new Date(this.clock.now()).toISOString() };
    return { topic: topics.status(this.opts.gatewayId), payload: encodePayload(offline), qos: 1, retain: true };
  }

  private publishStatus(online: boolean): void {
    const client = this.client;
    if (!client?.connected || this.stopping) return;
    try {
      client.publish(topics.status(this.opts.gatewayId), encodePayload(this.status(online)), { qos: 1, retain: true }, (err) => {
        if (err) this.logger.debug({ err: err.message }, 'status publish failed');
      });
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'status not published');
    }
  }
}
