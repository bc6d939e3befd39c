/**
 * Serial devices → readings. One SerialDeviceReader per configured device, read as its device
 * definition says (serial-definitions.ts): the definition's stream-decoder capability names the
 * format the port is opened with and turns each packet into a StreamItem, whose parts become:
 * - readings (DF13 spot checks): final readings in device time, stored together (content key:
 *   device + device time, so records the oximeter replays from memory after a reconnect are recognised);
 * - a continuous SpO2/pulse (DF2/DF7/DF8): live values on the DeviceManager's 'live' event, and one final
 *   reading when a value is held (StableValueDetector: 10 s within ±1 % / ±3 /min, no sensor flag);
 * - waveform rows (pleth 75 Hz, ECG 256 Hz): segments in the 'waveform' lane, described by the
 *   capability's waveform header; rows marked live also go to the teleconsultation as they come.
 * A disconnect ends the current recording (its last segment says so); the replugged device starts
 * a new one. A store that refuses waveforms (StoreFullError) stops capture for that device, and
 * the device state says 'capture-refused'; spot readings go on.
 */
import { randomUUID } from 'node:crypto';
import {
  type BackoffPolicy,
  type Clock,
  DEVICE_DEFINITIONS,
  type DeviceDefinition,
  type ListPorts,
  liveSpo2PulseDrafts,
  type ObservationDraft,
  type OpenPort,
  SERIAL_FORMATS,
  SerialDeviceReader,
  type SerialPacketEvent,
  type SerialParseErrorEvent,
  type Spo2Pulse,
  type StreamItem,
  type StreamReadings,
  systemClock,
  UCUM,
  VITALS,
} from '@telecart/devices';
import type { DeviceRef, SampledData } from '@telecart/protocol';
import type { DeviceManager, LiveValue } from '../devices/device-manager.js';
import { type Logger, silentLogger } from '../logger.js';
import type { LiveSampleBus } from '../media/live-samples.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PatientContext } from '../patient/context.js';
import type { PipelineDraft } from '../pipeline/reading-pipeline.js';
import type { RecordResult } from '../store/reading-store.js';
import { type WaveformSegment, WaveformSegmenter } from '../waveforms/segmenter.js';
import { DEFAULT_STABLE_RULE, StableValueDetector } from '../waveforms/stable-value.js';
import type { SerialConfig, SerialDeviceConfig } from './config.js';
import { resolveSerialDefinition } from './serial-definitions.js';

export interface SerialServiceOptions {
  config: SerialConfig;
  /** Its reading pipeline stores the readings; its events and device counts show them. */
  devices: DeviceManager;
  patients: PatientContext;
  metrics?: GatewayMetrics;
  logger?: Logger;
  clock?: Clock;
  /** Tests and special setups: how ports are opened and listed (default: serialport). */
  openPort?: OpenPort;
  listPorts?: ListPorts;
  /** Live ECG samples as read (the teleconsultation's 'ecg' channel). */
  live?: LiveSampleBus;
  /** Device definitions the configured devices name (default: the built-in DEVICE_DEFINITIONS). */
  definitions?: readonly DeviceDefinition[];
}

export interface SerialDeviceStatus {
  deviceId: string;
  format: string;
  state: string;
  capture: 'on' | 'off' | 'refused';
  segments: number;
  readings: number;
  parseErrors: number;
}

/** How long waveform capture stays off after the store refused a segment before it tries again. */
const CAPTURE_RETRY_MS = 60_000;

export class SerialService {
  private readonly devices: SerialDeviceService[];

  constructor(opts: SerialServiceOptions) {
    this.devices = opts.config.devices.map((d) => new SerialDeviceService(d, opts));
  }

  start(): void {
    for (const d of this.devices) d.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()));
  }

  status(): SerialDeviceStatus[] {
    return this.devices.map((d) => d.status());
  }
}

class SerialDeviceService {
  readonly deviceId: string;
  private readonly reader: SerialDeviceReader;
  private readonly segmenter: WaveformSegmenter | undefined;
  private readonly stable: StableValueDetector;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly ref: DeviceRef;
  private readonly format: string;
  private readonly readings: StreamReadings<unknown>;
  private readonly sampled: Omit<SampledData, 'data'> | undefined;
  private capture: 'on' | 'off' | 'refused';
  private refusedAt = 0;
  private counts = { segments: 0, readings: 0, parseErrors: 0 };
  private readonly loggedErrors = new Set<string>();
  /** Packets of the chunk being read, placed in time together (see flushPackets). */
  private pending: SerialPacketEvent[] = [];

  constructor(
    private readonly cfg: SerialDeviceConfig,
    private readonly o: SerialServiceOptions,
  ) {
    this.deviceId = `serial:${cfg.id}`;
    this.logger = o.logger ?? silentLogger;
    this.clock = o.clock ?? systemClock;
    const resolved = resolveSerialDefinition(cfg, o.definitions ?? DEVICE_DEFINITIONS);
    // checkSerialConfig refuses such a config before the gateway starts; this is for direct callers.
    if (!resolved.ok) throw new Error(`serial.devices "${cfg.id}": ${resolved.field}: ${resolved.message}`);
    const { definition, stream, format, readings } = resolved.choice;
    this.format = format;
    this.readings = readings(cfg);
    // A device configured by format alone is recorded as before definitions were used: format and its description.
    this.ref = cfg.definition
      ? { id: this.deviceId, transport: 'serial', definition: definition.id, model: cfg.name ?? `${definition.vendor} ${definition.model}` }
      : {
          id: this.deviceId,
          transport: 'serial',
          definition: format,
          model: cfg.name ?? SERIAL_FORMATS[format].description.split(':')[0] ?? format,
        };
    if (cfg.usb?.serialNumber) this.ref.serial = cfg.usb.serialNumber;
    const backoff: BackoffPolicy = { initialMs: o.config.reconnectInitialMs, maxMs: o.config.reconnectMaxMs, factor: 2 };
    const baudRate = cfg.baudRate ?? stream.serial?.baudRate;
    this.reader = new SerialDeviceReader({
      deviceId: this.deviceId,
      format,
      locator: { ...(cfg.path ? { path: cfg.path } : {}), ...(cfg.usb ?? {}) },
      ...(baudRate ? { baudRate } : {}),
      backoff,
      clock: this.clock,
      ...(o.openPort ? { openPort: o.openPort } : {}),
      ...(o.listPorts ? { listPorts: o.listPorts } : {}),
    });
    const waveform = this.readings.waveform;
    if (waveform) {
      this.sampled = waveform.sampled;
      this.segmenter = new WaveformSegmenter({
        channels: waveform.sampled.dimensions,
        periodMs: waveform.sampled.periodMs,
        segmentSamples: Math.max(1, Math.round(o.config.segmentSeconds * waveform.sampleRateHz)),
        newRecordingId: randomUUID,
        onSegment: (s) => this.recordSegment(s),
      });
    }
    this.capture = cfg.waveform && this.segmenter ? 'on' : 'off';
    this.stable = new StableValueDetector({ ...DEFAULT_STABLE_RULE, holdMs: o.config.stableSeconds * 1000 });
    this.reader.on('packet', (p) => this.onPacket(p));
    this.reader.on('parse-error', (e) => this.onParseError(e));
    this.reader.on('state', (s) => {
      // Packets read before the port went away belong to the recording that ends here.
      this.flushPackets();
      const shown = this.capture === 'refused' && s.state === 'connected' ? 'capture-refused' : s.state;
      o.devices.setDeviceState(this.deviceId, shown, { name: cfg.name ?? cfg.id, transport: 'serial' });
      if (s.state !== 'connected') {
        this.segmenter?.end();
        this.stable.interrupt();
      }
      if (s.reason) this.logger.info({ deviceId: this.deviceId, state: s.state, path: s.path, reason: s.reason }, 'serial device state');
    });
  }

  start(): void {
    this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    this.flushPackets();
    this.segmenter?.end();
  }

  status(): SerialDeviceStatus {
    return { deviceId: this.deviceId, format: this.format, state: this.reader.state, capture: this.capture, ...this.counts };
  }

  private onPacket(ev: SerialPacketEvent): void {
    // Counted like a BLE notification, so /api/status shows the device's traffic.
    this.o.devices.countFrame(this.deviceId, 'serial', ev.receivedAt);
    // The reader emits a chunk's packets one after another in one turn; they are placed together.
    if (this.pending.length === 0) queueMicrotask(() => this.flushPackets());
    this.pending.push(ev);
  }

  /**
   * Places the pending packets' samples in time and records them. All packets of one chunk carry
   * the chunk's receive time, yet only its last sample arrived then: a chunk is a backlog (the
   * process or the adapter held it), so each earlier sample is placed one period before the next.
   * Stamping them all with the receive time would make a backlog of more than `maxDriftMs` look
   * like a loss the device could not report, and split the recording.
   */
  private flushPackets(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const items = batch.map((ev) => {
      try {
        return this.readings.read(ev);
      } catch (e) {
        this.logger.error({ err: e, deviceId: this.deviceId }, 'serial packet could not be read');
        return undefined;
      }
    });
    // Samples (lost ones included) that follow each packet's last sample in its chunk.
    const after = new Array<number>(batch.length).fill(0);
    for (let i = batch.length - 2; i >= 0; i--) {
      const next = items[i + 1];
      const nextRows = (next?.rows?.length ?? 0) + (typeof next?.lost === 'number' ? next.lost : 0);
      after[i] = batch[i + 1]!.receivedAt === batch[i]!.receivedAt ? after[i + 1]! + nextRows : 0;
    }
    batch.forEach((ev, i) => {
      const item = items[i];
      if (item) this.recordItem(item, ev.receivedAt, ev.receivedAt - after[i]! * this.periodMs());
    });
  }

  /** `lastSampleAt`: when this packet's last sample was taken (its receive time less the backlog behind it). */
  private recordItem(item: StreamItem, receivedAt: number, lastSampleAt: number): void {
    try {
      // The readings of one record (a spot check) are stored together or not at all.
      if (item.readings) this.recordDrafts(item.readings, receivedAt);
      // A counter gap of up to a second is filled with lost-sample markers; longer ends the recording.
      if (item.lost === 'break') this.segmenter?.end();
      // The last lost sample was due one period before this packet's first (waveform() takes the last row's time).
      else if (item.lost) this.waveform(this.lostRows(item.lost), lastSampleAt - (item.rows?.length ?? 1) * this.periodMs());
      if (item.rows) {
        this.waveform(item.rows, lastSampleAt);
        const s = this.sampled;
        if (item.liveGap !== undefined && s)
          this.o.live?.emit('samples', {
            deviceId: this.deviceId,
            leads: s.channels ?? [],
            t0: lastSampleAt - (item.liveGap + item.rows.length - 1) * s.periodMs,
            periodMs: s.periodMs,
            factor: s.factor ?? 1,
            rows: [...this.lostRows(item.liveGap), ...item.rows],
          });
      }
      if (item.spo2Pulse) this.spo2Pulse(item.spo2Pulse, receivedAt);
    } catch (e) {
      this.logger.error({ err: e, deviceId: this.deviceId }, 'serial packet could not be recorded');
    }
  }

  /** `n` rows of lost-sample markers, one per channel. */
  private lostRows(n: number): (number | null)[][] {
    return new Array(n).fill(new Array(this.sampled?.dimensions ?? 1).fill(null));
  }

  private periodMs(): number {
    return this.sampled?.periodMs ?? 1;
  }

  private waveform(rows: (number | null)[][], receivedAt: number): void {
    if (!this.segmenter || this.capture === 'off') return;
    if (this.capture === 'refused') {
      if (this.clock.now() - this.refusedAt < CAPTURE_RETRY_MS) return;
      this.capture = 'on';
      this.o.devices.setDeviceState(this.deviceId, this.reader.state, { transport: 'serial' });
    }
    // The last sample arrived just now; the first one rows.length − 1 periods before.
    this.segmenter.push(rows, receivedAt - (rows.length - 1) * this.periodMs());
  }

  private recordSegment(s: WaveformSegment): void {
    if (!this.sampled || this.capture !== 'on') return;
    const code = this.readings.waveform?.code;
    if (!code) return;
    const segment: PipelineDraft = {
      contentKey: `${this.deviceId}|rec:${s.recordingId}|${s.index}`,
      code,
      sampledData: { ...this.sampled, data: s.data },
      segment: { recordingId: s.recordingId, index: s.index, ...(s.last ? { last: true } : {}) },
      status: 'final',
      flags: s.data.includes('E') ? ['samples-lost'] : [],
      startedAt: Math.round(s.startMs),
      lane: 'waveform',
    };
    // One segment is one reading, through the pipeline like every source.
    const r = this.o.devices.pipeline.record({ device: this.ref, receivedAt: this.clock.now(), drafts: [segment], announce: 'new' });
    if (r.refused) {
      this.capture = 'refused';
      this.refusedAt = this.clock.now();
      this.segmenter?.end();
      this.o.devices.setDeviceState(this.deviceId, 'capture-refused', { transport: 'serial' });
      this.logger.warn(
        { deviceId: this.deviceId, level: r.refused.level, usedBytes: r.refused.usedBytes },
        `waveform capture stopped: ${r.refused.message}`,
      );
      return;
    }
    for (const { result } of r.stored) this.noteRecorded(result);
  }

  private spo2Pulse(v: Spo2Pulse & { holdable: boolean }, receivedAt: number): void {
    const patientId = this.o.patients.resolve(this.deviceId)?.id ?? null;
    for (const d of liveSpo2PulseDrafts(v)) {
      const live: LiveValue = {
        deviceId: this.deviceId,
        deviceName: this.cfg.name ?? this.cfg.id,
        code: d.code,
        flags: d.flags,
        receivedAt: new Date(receivedAt).toISOString(),
        patientId,
      };
      if (d.value) live.value = d.value;
      this.o.metrics?.liveValues.inc();
      this.o.devices.emit('live', live);
    }
    const held = this.stable.push(receivedAt, v.spo2, v.hr, v.flags, v.holdable);
    if (!held) return;
    const flags = [...held.flags, `held-${Math.round((held.toMs - held.fromMs) / 1000)}s`];
    const drafts = (
      [
        [VITALS.spo2, held.spo2, UCUM.percent],
        [VITALS.oximetryPulseRate, held.pulse, UCUM.perMin],
      ] as const
    ).map(([code, value, unit]): ObservationDraft => ({ code, value: { value, unit }, status: 'final', flags, lane: 'spot' }));
    this.recordDrafts(drafts, held.toMs);
  }

  /** The readings of one packet (or one held value) in one transaction: all stored, or none. */
  private recordDrafts(drafts: readonly ObservationDraft[], receivedAt: number): void {
    if (drafts.length === 0) return;
    try {
      // A full store is logged by the pipeline (once per device until it accepts again).
      const r = this.o.devices.pipeline.record({ device: this.ref, receivedAt, drafts, announce: 'new' });
      for (const { result } of r.stored) this.noteRecorded(result);
    } catch (e) {
      const codes = drafts.map((d) => d.code.loinc).join(',');
      this.logger.error({ err: e, deviceId: this.deviceId, codes }, 'serial readings refused by the store (none of them stored)');
    }
  }

  /** A committed reading (the pipeline counted and announced it): counted here and on the device (the status page). */
  private noteRecorded(r: RecordResult): void {
    if (r.duplicate) return;
    if (r.observation.lane === 'waveform') this.counts.segments++;
    else this.counts.readings++;
    this.o.devices.countReading(this.deviceId);
  }

  private onParseError(e: SerialParseErrorEvent): void {
    this.counts.parseErrors++;
    this.o.devices.countMalformed(this.deviceId, 'serial');
    this.o.metrics?.malformedFrames.inc({ device: this.deviceId, reason: `serial:${e.kind}` });
    if (!this.loggedErrors.has(e.kind)) {
      this.loggedErrors.add(e.kind);
      this.logger.warn(
        { deviceId: this.deviceId, format: e.format, kind: e.kind, detail: e.detail },
        'serial stream error (further ones of this kind are only counted)',
      );
    }
  }
}
