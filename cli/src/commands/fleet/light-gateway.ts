/**
 * One simulated gateway of the fleet: an mqtt.js client over mutual TLS with its enrolled
 * certificate, speaking the real protocol (contract 2, docs/architecture.md; docs/sync-protocol.md): batches of one lane
 * on up/{lane} with QoS 1, readings kept until the cloud's end-to-end ack, a retained status with
 * its backlog and an "offline" last will, and the gateway's own jittered reconnect backoff.
 * No SQLite: the backlog is in memory, which is what lets one process hold thousands of them.
 */
import { randomUUID } from 'node:crypto';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { attachReconnectBackoff, attachTlsSessions, type BackoffOptions, RECONNECT_DEFAULTS, TlsSessions } from '@telecart/gateway';
import {
  type ConnectFailure,
  decodeAck,
  encodeJsonText,
  encodePayload,
  type GatewayStatus,
  type Lane,
  PROTOCOL_VERSION,
  topics,
} from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { LatencyHistogram } from './latency.js';
import { makeReading, type ReadingContext } from './readings.js';

export interface Credentials {
  key: string;
  cert: string;
  ca: string;
}

/** What every gateway of the fleet adds to (one object, shared). */
export interface FleetCounters {
  connectedNow: number;
  /** Gateways that connected at least once. */
  everConnected: number;
  connects: number;
  /** Connections whose TLS handshake resumed a session from the gateway's kept ticket. */
  tlsResumed: number;
  /** Connection attempts that failed (refused, shed, reset, timed out). */
  connectFailures: number;
  /** Of those, the attempts the broker shed (closed before the TLS handshake, or CONNACK 3): protocol `connectEnd`. */
  shedAttempts: number;
  /**
   * The others by cause (protocol `connectFailure`): no broker listening (ECONNREFUSED), no CONNACK in time,
   * closed with no error, anything else.
   */
  refusedAttempts: number;
  timedOutAttempts: number;
  closedAttempts: number;
  otherFailedAttempts: number;
  /** Waits of the reconnect backoff begun (one at each lost connection or failed attempt), and their sum in ms. */
  backoffWaits: number;
  backoffWaitMs: number;
  generated: number;
  /** Readings published at least once. */
  sent: number;
  /** Readings published again (ack timeout or lost session). */
  resent: number;
  acked: number;
  /** Readings the cloud said it already had (idempotent redelivery). */
  duplicateAcks: number;
  rejected: number;
  batchesTimedOut: number;
  invalidAcks: number;
}

export function newCounters(): FleetCounters {
  return {
    connectedNow: 0,
    everConnected: 0,
    connects: 0,
    tlsResumed: 0,
    connectFailures: 0,
    shedAttempts: 0,
    refusedAttempts: 0,
    timedOutAttempts: 0,
    closedAttempts: 0,
    otherFailedAttempts: 0,
    backoffWaits: 0,
    backoffWaitMs: 0,
    generated: 0,
    sent: 0,
    resent: 0,
    acked: 0,
    duplicateAcks: 0,
    rejected: 0,
    batchesTimedOut: 0,
    invalidAcks: 0,
  };
}

export interface LightGatewayOptions extends ReadingContext {
  url: string;
  credentials: Credentials;
  backoff: BackoffOptions;
  /** Offer the kept TLS session ticket on reconnect, as the real gateway does (false: every handshake full, a before/after). */
  tlsResumption?: boolean;
  counters: FleetCounters;
  latency: LatencyHistogram;
  random?: () => number;
  now?: () => number;
  /** Batches awaiting their ack at once. Default 3. */
  window?: number;
  /** Readings per batch at most. Default 50. */
  batchMax?: number;
  /** Batch not acked within this: its readings go again. Default 30 s. */
  ackTimeoutMs?: number;
  /** Called once, when the gateway is connected for the first time. */
  onFirstConnect?: () => void;
}

interface Pending {
  json: string;
  lane: Exclude<Lane, 'alarm'>;
  firstSentAt: number | null;
  batchId: string | null;
}

interface Batch {
  seqs: number[];
  sentAt: number;
  timer: NodeJS.Timeout;
}

export class LightGateway {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly batches = new Map<string, Batch>();
  private client: MqttClient | undefined;
  private tls: SecureContext | undefined;
  private readonly tlsSessions = new TlsSessions();
  private connectedOnce = false;
  private closing = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: LightGatewayOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  get id(): string {
    return this.o.gatewayId;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Readings not yet acked. */
  get backlog(): number {
    return this.pending.size;
  }

  /** Opens the MQTT connection (and keeps it: reconnects with the gateway's backoff). */
  start(): void {
    if (this.client || this.closing) return;
    const o = this.o;
    // One TLS context per gateway, made once: with key/cert/ca as PEM, Node makes a new context on
    // every attempt (OpenSSL context, key and CA parsing: ~20 ms of the simulator's CPU on the loaded
    // host), which was what bounded the fleet's connection rate (docs/benchmarks.md, "Fleet").
    this.tls ??= createSecureContext({ key: o.credentials.key, cert: o.credentials.cert, ca: o.credentials.ca });
    // mqtt.js hands its options to tls.connect(), which uses `secureContext` (missing from mqtt.js's type).
    const tls: { secureContext: SecureContext } = { secureContext: this.tls };
    const client = mqtt.connect(o.url, {
      ...tls,
      rejectUnauthorized: true,
      clientId: o.gatewayId,
      clean: false,
      keepalive: 60,
      connectTimeout: RECONNECT_DEFAULTS.connectTimeoutMs,
      reconnectPeriod: o.backoff.baseMs,
      will: { topic: topics.status(o.gatewayId), payload: encodePayload(this.status(false)), qos: 1, retain: true },
    });
    this.client = client;
    // As the real gateway does: the newest session ticket offered on reconnect (a resumed handshake).
    if (o.tlsResumption !== false) attachTlsSessions(client, this.tlsSessions);
    let up = false;
    // The gateway's own policy: jittered exponential backoff, longer after the broker shed an attempt.
    const backoff = attachReconnectBackoff(client, o.backoff, this.random);
    client.on('connect', (connack) => {
      up = true;
      o.counters.connects++;
      if (client.stream instanceof TLSSocket && client.stream.isSessionReused()) o.counters.tlsResumed++;
      o.counters.connectedNow++;
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        o.counters.everConnected++;
        o.onFirstConnect?.();
      }
      client.subscribe(topics.ack(o.gatewayId), { qos: 1 });
      // The broker lost our session (restart, in-memory): the acks of what was in flight are gone.
      if (!connack.sessionPresent) for (const id of [...this.batches.keys()]) this.expire(id, false);
      this.publishStatus();
      this.pump();
    });
    client.on('close', () => {
      // mqtt.js now waits reconnectPeriod (set at the last 'reconnect') before its next attempt.
      if (!this.closing) {
        o.counters.backoffWaits++;
        o.counters.backoffWaitMs += Math.round(client.options.reconnectPeriod ?? 0);
      }
      if (up) {
        up = false;
        o.counters.connectedNow--;
      } else if (!this.closing) {
        o.counters.connectFailures++;
        countFailure(o.counters, backoff.lastFailure());
      }
    });
    client.on('error', () => undefined); // counted on 'close'; mqtt.js retries by itself
    client.on('message', (_topic, payload) => this.onAck(payload));
  }

  /** Measures one reading now (kept until acked) and sends what the window allows. */
  measure(lane: Exclude<Lane, 'alarm'>): void {
    const seq = ++this.seq;
    const obs = makeReading(this.o, seq, lane, this.now());
    this.pending.set(seq, { json: JSON.stringify(obs), lane, firstSentAt: null, batchId: null });
    this.o.counters.generated++;
    this.pump();
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.closing) return;
    const window = this.o.window ?? 3;
    const max = this.o.batchMax ?? 50;
    while (this.batches.size < window) {
      // One lane per batch: the first unsent reading's lane, then those like it.
      let lane: Pending['lane'] | undefined;
      const seqs: number[] = [];
      const texts: string[] = [];
      for (const [seq, p] of this.pending) {
        if (p.batchId !== null) continue;
        lane ??= p.lane;
        if (p.lane !== lane) continue;
        seqs.push(seq);
        texts.push(p.json);
        if (seqs.length >= max || lane === 'waveform') break;
      }
      if (lane === undefined) return;
      this.send(client, lane, seqs, texts);
    }
  }

  private send(client: MqttClient, lane: Lane, seqs: number[], texts: string[]): void {
    const batchId = randomUUID();
    const now = this.now();
    const text = `{"v":${PROTOCOL_VERSION},"batchId":"${batchId}","gatewayId":${JSON.stringify(this.o.gatewayId)},"lane":"${lane}","sentAt":"${new Date(now).toISOString()}","observations":[${texts.join(',')}]}`;
    for (const s of seqs) {
      const p = this.pending.get(s) as Pending;
      p.batchId = batchId;
      if (p.firstSentAt === null) {
        p.firstSentAt = now;
        this.o.counters.sent++;
      } else this.o.counters.resent++;
    }
    const timer = setTimeout(() => this.expire(batchId, true), this.o.ackTimeoutMs ?? 30_000);
    this.batches.set(batchId, { seqs, sentAt: now, timer });
    client.publish(topics.uplink(this.o.gatewayId, lane), encodeJsonText(text, 'json+deflate'), { qos: 1 }, () => undefined);
  }

  /** No ack (in time, or ever: the session was lost): the readings go again; the cloud is idempotent. */
  private expire(batchId: string, timedOut: boolean): void {
    const b = this.batches.get(batchId);
    if (!b) return;
    clearTimeout(b.timer);
    this.batches.delete(batchId);
    if (timedOut) this.o.counters.batchesTimedOut++;
    for (const s of b.seqs) {
      const p = this.pending.get(s);
      if (p && p.batchId === batchId) p.batchId = null;
    }
    this.pump();
  }

  private onAck(payload: Buffer): void {
    const r = decodeAck(payload);
    if (!r.ok || r.value.gatewayId !== this.o.gatewayId) {
      this.o.counters.invalidAcks++;
      return;
    }
    const ack = r.value;
    const b = this.batches.get(ack.batchId);
    if (b) {
      clearTimeout(b.timer);
      this.batches.delete(ack.batchId);
    }
    const now = this.now();
    const inRange = (s: number) => ack.stored.some(([a, z]) => s >= a && s <= z);
    // A late ack of an expired batch still counts: its readings are in the cloud.
    for (const [a, z] of ack.stored)
      for (let s = a; s <= z; s++) {
        const p = this.pending.get(s);
        if (!p) continue;
        this.pending.delete(s);
        this.o.counters.acked++;
        if (p.firstSentAt !== null) this.o.latency.record(now - p.firstSentAt);
      }
    for (const rej of ack.rejected) {
      if (inRange(rej.seq) || !this.pending.delete(rej.seq)) continue;
      this.o.counters.rejected++;
    }
    this.o.counters.duplicateAcks += ack.duplicates;
    this.pump();
  }

  private status(online: boolean): GatewayStatus {
    return {
      v: 1,
      gatewayId: this.o.gatewayId,
      online,
      at: new Date(this.now()).toISOString(),
      version: 'fleet-sim',
      ...(online ? { backlog: { readings: this.pending.size, bytes: 0, oldestUnsyncedAt: null, held: 0 } } : {}),
    };
  }

  private publishStatus(): void {
    this.client?.publish(topics.status(this.o.gatewayId), encodePayload(this.status(true)), { qos: 1, retain: true }, () => undefined);
  }

  /** Closes the connection (announcing offline when connected); the backlog is dropped with the object. */
  async stop(): Promise<void> {
    this.closing = true;
    for (const b of this.batches.values()) clearTimeout(b.timer);
    const client = this.client;
    if (!client) return;
    if (client.connected)
      await Promise.race([
        new Promise<void>((r) =>
          client.publish(topics.status(this.o.gatewayId), encodePayload(this.status(false)), { qos: 1, retain: true }, () => r()),
        ),
        new Promise<void>((r) => setTimeout(r, 2000).unref()),
      ]);
    await client.endAsync(true).catch(() => undefined);
  }
}

/** One failed attempt, counted by what ended it. */
export function countFailure(c: FleetCounters, cause: ConnectFailure | null): void {
  if (cause === 'shed') c.shedAttempts++;
  else if (cause === 'refused') c.refusedAttempts++;
  else if (cause === 'timeout') c.timedOutAttempts++;
  else if (cause === null) c.closedAttempts++;
  else c.otherFailedAttempts++;
}
