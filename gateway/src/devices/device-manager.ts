/**
 * Device frames → stored readings. For each frame: decode with the pure codecs, then for every
 * final draft give it its time (device time in the gateway's zone, corrected when the device
 * clock is off), its patient (explicit, or held), its device reference and content key, and
 * commit it to the store. Preliminary drafts (cuff pressure while inflating, continuous
 * oximetry) are only shown live. A bad frame is counted, logged once per kind, and skipped.
 */
import { EventEmitter } from 'node:events';
import {
  type Clock,
  type CodecResult,
  DEVICE_DEFINITIONS,
  type DefinitionChoice,
  type DeviceDefinition,
  type DeviceFrame,
  type DeviceIdentity,
  type DeviceInfo,
  decodeCharacteristic,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  GlucoseContextJoiner,
  type GlucoseJoinEvent,
  glucoseToDrafts,
  matchDefinition,
  normalizeCharacteristic,
  type ObservationDraft,
  quirkOf,
  roleOf,
  systemClock,
} from '@telecart/devices';
import type { Code, Component, DeviceRef, Quantity } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PatientContext } from '../patient/context.js';
import { type ReadingEvent, ReadingPipeline } from '../pipeline/reading-pipeline.js';
import { InvalidReadingError, type ReadingStore } from '../store/reading-store.js';
import { attachFrameSource, type FrameSource } from './frame-source.js';
import type { RecordNumberingReset, RecordOutcome } from './record-numbering.js';

export type { ReadingEvent } from '../pipeline/reading-pipeline.js';

export type Decoder = (characteristic: string, bytes: Uint8Array) => CodecResult<ObservationDraft[]>;

export interface DeviceManagerOptions {
  store: ReadingStore;
  patients: PatientContext;
  /** IANA zone device clocks are set in. */
  timeZone: string;
  clockDriftToleranceMs: number;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** For devices reported by state only (no frame yet). */
  clock?: Clock;
  /** Default: decodeCharacteristic from @telecart/devices. */
  decode?: Decoder;
  /** Device definitions to pick from (default: the built-in DEVICE_DEFINITIONS). */
  definitions?: readonly DeviceDefinition[];
}

/** How a device's clock is being handled, for the status page and tests. */
export interface DeviceClockState {
  /** Measured device − gateway offset when it exceeded the tolerance, else 0. */
  offsetMs: number;
  /** 'ok': within tolerance; 'written': the gateway set it; 'correcting': readings are shifted by the offset. */
  state: 'ok' | 'written' | 'correcting';
  checkedAt: string;
}

/** A preliminary value for the screen only; never stored, never synced. */
export interface LiveValue {
  deviceId: string;
  deviceName?: string;
  code: Code;
  value?: Quantity;
  components?: Component[];
  flags: string[];
  receivedAt: string;
  patientId: string | null;
}

export interface MalformedFrame {
  deviceId: string;
  characteristic: string;
  /** Short, bounded label: 'invalid-frame', 'decode:<field>', 'invalid-observation', 'internal-error'. */
  reason: string;
  detail: string;
  hex: string;
}

export interface DeviceSeen {
  id: string;
  name?: string;
  transport: DeviceFrame['transport'];
  info?: DeviceInfo;
  /** The definition serving it and why it was picked. */
  definition?: { id: string; reason: string };
  clock?: DeviceClockState;
  /** The latest restart of the device's record numbering the RACP procedure saw (reset meter, wrap). */
  numberingReset?: RecordNumberingReset & { resets: number };
  /** Driver-reported connection state when known ('connected', 'disconnected', …), else 'seen'. */
  state: string;
  firstSeenAt: string;
  lastSeenAt: string;
  frames: number;
  readings: number;
  malformed: number;
}

export interface FrameOutcome {
  recorded: number;
  duplicates: number;
  held: number;
  live: number;
  /** Readings refused because the store is (nearly) full: not malformed, nothing written (StoreFullError). */
  refused?: number;
  /** Readings that are not patient data (control solution, demonstration / test data): not recorded. */
  notPatientData?: number;
  malformed?: string;
}

export interface DeviceManagerEvents {
  reading: [ReadingEvent];
  live: [LiveValue];
  malformed: [MalformedFrame];
}

const MAX_HEX_BYTES = 64;
const MAX_LOGGED_KINDS = 1000;
const MAX_DEVICES = 256;

function hexOf(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, MAX_HEX_BYTES)).toString('hex').toUpperCase();
  return bytes.byteLength > MAX_HEX_BYTES ? `${hex}…(${bytes.byteLength} bytes)` : hex;
}

function clip(s: string | undefined, max = 128): string | undefined {
  return s === undefined ? undefined : s.slice(0, max);
}

/** The frame comes from another module's driver: check it before trusting any field. */
function frameProblem(f: DeviceFrame): string | undefined {
  if (typeof f !== 'object' || f === null) return 'not an object';
  if (typeof f.deviceId !== 'string' || f.deviceId.length === 0 || f.deviceId.length > 128) return 'deviceId must be 1..128 characters';
  if (f.transport !== 'ble' && f.transport !== 'serial' && f.transport !== 'audio') return `unknown transport ${String(f.transport)}`;
  if (typeof f.characteristic !== 'string' || f.characteristic.length === 0) return 'characteristic missing';
  if (!(f.bytes instanceof Uint8Array)) return 'bytes must be a Uint8Array';
  if (typeof f.receivedAt !== 'number' || !Number.isFinite(f.receivedAt)) return 'receivedAt must be ms since epoch';
  return undefined;
}

export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  private readonly decode: Decoder;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly devices = new Map<string, DeviceSeen>();
  private readonly malformedCounts = new Map<string, { deviceId: string; reason: string; count: number }>();
  private readonly logged = new Set<string>();
  private readonly detachers = new Set<() => void>();
  private readonly definitions: readonly DeviceDefinition[];
  private readonly chosen = new Map<string, DefinitionChoice>();
  private readonly joiners = new Map<string, GlucoseContextJoiner>();
  /** Offsets applied to readings (device clocks that could not be set). */
  private readonly clockOffsets = new Map<string, number>();
  /** Highest device record number committed to the store, per device (for the RACP cursor). */
  private readonly committedRecords = new Map<string, number>();
  private tickTimer: NodeJS.Timeout | undefined;
  /** Devices replaying their record memory (RACP report in progress): their readings are old on purpose. */
  private readonly downloading = new Set<string>();
  /** Record numbers committed during the latest download of each device: 'known' when already stored. */
  private readonly downloaded = new Map<string, Map<number, RecordOutcome>>();
  /** UPGRADE-ONLY: format-1 cursors of devices whose first download after the upgrade is under way. */
  private readonly legacyKeyCursors = new Map<string, number>();

  /** The store path every source shares (serial and the stethoscope use it too). */
  readonly pipeline: ReadingPipeline;

  constructor(private readonly opts: DeviceManagerOptions) {
    super();
    this.pipeline = new ReadingPipeline({
      store: opts.store,
      patients: opts.patients,
      timeZone: opts.timeZone,
      clockDriftToleranceMs: opts.clockDriftToleranceMs,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
      onReading: (e) => this.emit('reading', e),
    });
    this.decode = opts.decode ?? decodeCharacteristic;
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.definitions = opts.definitions ?? DEVICE_DEFINITIONS;
  }

  /** Picks the definition for a device (most specific match), remembers and logs it. */
  identify(
    deviceId: string,
    identity: DeviceIdentity,
    accept: (choice: DefinitionChoice, identity: DeviceIdentity) => boolean = () => true,
  ): DefinitionChoice | undefined {
    const choice = matchDefinition(this.definitions, identity);
    const before = this.chosen.get(deviceId);
    if (choice && !accept(choice, identity)) {
      this.logger.debug(
        { deviceId, name: identity.name, definition: choice.definition.id },
        'device definition not allowed by the configuration; device ignored',
      );
      return undefined;
    }
    if (!choice) {
      this.logger.debug({ deviceId, name: identity.name, services: identity.services }, 'no device definition fits; device ignored');
      return undefined;
    }
    this.chosen.set(deviceId, choice);
    if (before?.definition.id !== choice.definition.id) {
      this.logger.info(
        {
          deviceId,
          name: identity.name,
          definition: choice.definition.id,
          model: `${choice.definition.vendor} ${choice.definition.model}`,
          reason: choice.reason,
        },
        'device definition picked',
      );
    }
    const d =
      this.devices.get(deviceId) ?? this.addDevice(deviceId.slice(0, 128), identity.transport, new Date(this.clock.now()).toISOString());
    d.definition = { id: choice.definition.id, reason: choice.reason.slice(0, 200) };
    if (identity.name !== undefined) d.name = clip(identity.name);
    return choice;
  }

  definitionOf(deviceId: string): DeviceDefinition | undefined {
    return this.chosen.get(deviceId)?.definition;
  }

  /**
   * The device clock check: `offsetMs` is device − gateway. With `correct`, readings of this device are
   * shifted back by it (and say so) until the clock is set or checked again.
   */
  setClockState(deviceId: string, state: DeviceClockState['state'], offsetMs: number): void {
    if (state === 'correcting') this.clockOffsets.set(deviceId, offsetMs);
    else this.clockOffsets.delete(deviceId);
    const d = this.devices.get(deviceId);
    if (d) d.clock = { state, offsetMs: Math.round(offsetMs), checkedAt: new Date(this.clock.now()).toISOString() };
  }

  /** A stored-record download starts/ends: device times of its readings are kept however old. */
  setDownloading(deviceId: string, active: boolean): void {
    if (active) {
      this.downloading.add(deviceId);
      this.downloaded.set(deviceId, new Map());
    } else this.downloading.delete(deviceId);
  }

  /** The records the latest download of this device committed: record number → known (already stored) or new. */
  downloadedRecords(deviceId: string): ReadonlyMap<number, RecordOutcome> {
    return this.downloaded.get(deviceId) ?? new Map();
  }

  /**
   * UPGRADE-ONLY (content-key format 1 → 2): while this device downloads, a record at or behind
   * `cursor` whose legacy key the store knows is a duplicate (record-numbering.ts knownUnderLegacyKey).
   * undefined ends it.
   */
  setLegacyKeyCursor(deviceId: string, cursor: number | undefined): void {
    if (cursor === undefined) this.legacyKeyCursors.delete(deviceId);
    else this.legacyKeyCursors.set(deviceId, cursor);
  }

  /** The device's record numbering restarted (seen by the RACP procedure): shown with the device. */
  noteNumberingReset(deviceId: string, reset: RecordNumberingReset & { resets: number }): void {
    const d = this.devices.get(deviceId);
    if (d) d.numberingReset = { ...reset };
  }

  /** Highest record number of this device committed to the store since the gateway started. */
  highestCommittedRecord(deviceId: string): number | undefined {
    return this.committedRecords.get(deviceId);
  }

  /** Releases what waits for a context (end of a record download, disconnect): nothing is lost. */
  flushDevice(deviceId: string): void {
    const j = this.joiners.get(deviceId);
    if (!j) return;
    const events = j.flush();
    if (events.length > 0) this.storeGlucoseEvents(deviceId, events);
  }

  /** Consumes frames from a source until detached (or stop()). */
  attach(source: FrameSource): () => void {
    const detach = attachFrameSource(
      source,
      (f) => this.handleFrame(f),
      (e) => this.logger.error({ err: e }, 'frame source failed; its frames are no longer read'),
    );
    const once = () => {
      if (this.detachers.delete(once)) detach();
    };
    this.detachers.add(once);
    return once;
  }

  stop(): void {
    for (const d of [...this.detachers]) d();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const id of [...this.joiners.keys()]) this.flushDevice(id);
  }

  /**
   * A driver's connection state, for the status page, e.g. from the BLE central:
   * `ble.on('state', (c) => devices.setDeviceState(c.deviceId, c.state, { name: c.name }))`.
   */
  setDeviceState(deviceId: string, state: string, opts: { name?: string; transport?: DeviceFrame['transport'] } = {}): void {
    let d = this.devices.get(deviceId);
    if (!d) {
      const at = new Date(this.clock.now()).toISOString();
      d = this.addDevice(deviceId.slice(0, 128), opts.transport ?? 'ble', at);
    }
    d.state = state.slice(0, 32);
    if (opts.name !== undefined) d.name = clip(opts.name);
    if (state === 'disconnected') this.flushDevice(deviceId);
  }

  /**
   * Sources that decode their own frames (serial readers) count them here, so the device's frames,
   * readings and malformed counts on /api/status are those of its traffic, as for BLE.
   */
  countFrame(deviceId: string, transport: DeviceFrame['transport'], receivedAt: number): void {
    const at = new Date(receivedAt).toISOString();
    const d = this.devices.get(deviceId) ?? this.addDevice(deviceId.slice(0, 128), transport, at);
    d.frames++;
    d.lastSeenAt = at;
  }

  countReading(deviceId: string): void {
    const d = this.devices.get(deviceId);
    if (d) d.readings++;
  }

  countMalformed(deviceId: string, transport: DeviceFrame['transport']): void {
    const at = new Date(this.clock.now()).toISOString();
    const d = this.devices.get(deviceId) ?? this.addDevice(deviceId.slice(0, 128), transport, at);
    d.malformed++;
  }

  seenDevices(): DeviceSeen[] {
    return [...this.devices.values()].map((d) => ({ ...d }));
  }

  malformed(): { deviceId: string; reason: string; count: number }[] {
    return [...this.malformedCounts.values()].map((m) => ({ ...m }));
  }

  /**
   * A burst of frames (a record download, a serial block, what a source delivered at once) in one
   * store transaction: one fsync for all, 'recorded' events after that commit. Each frame is
   * handled as by handleFrame(): a bad or refused one is skipped and its neighbours are stored.
   */
  handleFrames(frames: readonly DeviceFrame[]): FrameOutcome[] {
    if (frames.length === 1) return [this.handleFrame(frames[0] as DeviceFrame)];
    return this.opts.store.group(() => frames.map((f) => this.handleFrame(f)));
  }

  /** Decodes and stores one frame. Never throws: bad input is counted and reported. */
  handleFrame(frame: DeviceFrame): FrameOutcome {
    const outcome: FrameOutcome = { recorded: 0, duplicates: 0, held: 0, live: 0 };
    const problem = frameProblem(frame);
    if (problem) {
      const deviceId = typeof frame?.deviceId === 'string' ? frame.deviceId.slice(0, 128) : '?';
      const characteristic = typeof frame?.characteristic === 'string' ? frame.characteristic.slice(0, 64) : '?';
      const hex = frame?.bytes instanceof Uint8Array ? hexOf(frame.bytes) : '';
      this.reportMalformed({ deviceId, characteristic, reason: 'invalid-frame', detail: problem, hex });
      outcome.malformed = 'invalid-frame';
      return outcome;
    }
    const device = this.noteDevice(frame);
    const definition = this.chosen.get(frame.deviceId)?.definition;
    const role = definition ? roleOf(definition, frame.characteristic) : undefined;
    // Control points (RACP, Current Time) belong to the procedures, not to the readings.
    if (role === 'control') return outcome;
    try {
      const { bytes, flags: quirkFlags } = this.applyByteQuirks(definition, frame);
      const short = normalizeCharacteristic(frame.characteristic);
      if (short === '2A18' || short === '2A34') return this.handleGlucose(frame, short, bytes, device, outcome);
      const decoded = this.decode(frame.characteristic, bytes);
      if (!decoded.ok) {
        const reason = `decode:${decoded.error.field}`.slice(0, 64);
        this.reportMalformed(
          { deviceId: frame.deviceId, characteristic: frame.characteristic, reason, detail: decoded.error.reason, hex: hexOf(frame.bytes) },
          device,
        );
        outcome.malformed = reason;
        return outcome;
      }
      const finals: ObservationDraft[] = [];
      for (const raw of decoded.value) {
        const draft = this.applyDraftQuirks(definition, raw, quirkFlags);
        if (draft.notPatientData) {
          this.skipNotPatientData(frame.deviceId, draft, outcome);
          continue;
        }
        // A definition's 'live' characteristic is never stored, whatever the mapping says.
        if (draft.status !== 'preliminary' && role !== 'live') finals.push(draft);
        else this.showLive(frame, draft, outcome);
      }
      this.storeDrafts(frame, finals, device, outcome);
    } catch (e) {
      const reason = e instanceof InvalidReadingError ? 'invalid-observation' : 'internal-error';
      this.reportMalformed(
        { deviceId: frame.deviceId, characteristic: frame.characteristic, reason, detail: (e as Error).message, hex: hexOf(frame.bytes) },
        device,
      );
      outcome.malformed = reason;
    }
    return outcome;
  }

  /** Byte-level quirks before decoding, e.g. a units bit set the wrong way round. */
  private applyByteQuirks(definition: DeviceDefinition | undefined, frame: DeviceFrame): { bytes: Uint8Array; flags: string[] } {
    if (!definition) return { bytes: frame.bytes, flags: [] };
    const short = normalizeCharacteristic(frame.characteristic);
    const inverted = definition.quirks.find((q) => q.kind === 'inverted-unit-flag' && normalizeCharacteristic(q.characteristic) === short);
    if (!inverted || frame.bytes.length === 0) return { bytes: frame.bytes, flags: [] };
    const bytes = Uint8Array.from(frame.bytes);
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    return { bytes, flags: ['unit-flag-corrected'] };
  }

  /** Draft-level quirks: a clock known to reset to a fixed year gives no usable device time. */
  private applyDraftQuirks(definition: DeviceDefinition | undefined, draft: ObservationDraft, extra: string[]): ObservationDraft {
    const reset = definition ? quirkOf(definition, 'clock-resets') : undefined;
    let d = extra.length > 0 ? { ...draft, flags: [...draft.flags, ...extra] } : draft;
    if (reset && d.deviceTime?.year === reset.year) {
      const { deviceTime: _dropped, ...rest } = d;
      d = { ...rest, flags: [...d.flags, 'device-clock-reset'] };
    }
    return d;
  }

  private joinerOf(deviceId: string): GlucoseContextJoiner {
    let j = this.joiners.get(deviceId);
    if (!j) {
      j = new GlucoseContextJoiner();
      this.joiners.set(deviceId, j);
      // A measurement waiting for a context that never comes is released by the joiner's timeout.
      this.tickTimer ??= setInterval(() => this.tickJoiners(), 1000).unref();
    }
    return j;
  }

  private tickJoiners(): void {
    const now = this.clock.now();
    for (const [id, j] of this.joiners) {
      const events = j.tick(now);
      if (events.length > 0) this.storeGlucoseEvents(id, events);
    }
  }

  /** Glucose measurement + context (joined by sequence number) → drafts → store. */
  private handleGlucose(
    frame: DeviceFrame,
    short: '2A18' | '2A34',
    bytes: Uint8Array,
    device: DeviceSeen,
    outcome: FrameOutcome,
  ): FrameOutcome {
    const joiner = this.joinerOf(frame.deviceId);
    const now = this.clock.now();
    let events: GlucoseJoinEvent[];
    if (short === '2A18') {
      const m = decodeGlucoseMeasurement(bytes);
      if (!m.ok) return this.decodeFailed(frame, m.error, device, outcome);
      events = joiner.measurement(m.value, now);
    } else {
      const c = decodeGlucoseMeasurementContext(bytes);
      if (!c.ok) return this.decodeFailed(frame, c.error, device, outcome);
      events = joiner.context(c.value, now);
    }
    this.lastGlucoseFrame.set(frame.deviceId, frame);
    this.storeGlucoseEvents(frame.deviceId, events, outcome);
    return outcome;
  }

  private readonly lastGlucoseFrame = new Map<string, DeviceFrame>();

  private storeGlucoseEvents(deviceId: string, events: GlucoseJoinEvent[], outcome?: FrameOutcome): void {
    const frame = this.lastGlucoseFrame.get(deviceId);
    const device = this.devices.get(deviceId);
    if (!frame || !device) return;
    const out = outcome ?? { recorded: 0, duplicates: 0, held: 0, live: 0 };
    const definition = this.chosen.get(deviceId)?.definition;
    for (const e of events) {
      if (e.kind === 'orphan-context') {
        this.logger.warn({ deviceId, sequenceNumber: e.context.sequenceNumber }, 'glucose context without its measurement skipped');
        continue;
      }
      // One record (measurement + context) may give two readings (glucose, HbA1c): stored together.
      const drafts: ObservationDraft[] = [];
      for (const draft of glucoseToDrafts(e.measurement, { context: e.context })) {
        if (draft.notPatientData) this.skipNotPatientData(deviceId, draft, out);
        else drafts.push(this.applyDraftQuirks(definition, draft, []));
      }
      this.storeDrafts(frame, drafts, device, out);
    }
  }

  /**
   * A reading that is not about the patient (glucose control solution, oximeter demonstration or test
   * data) never becomes the patient's observation: counted, logged, not stored, not shown live.
   */
  private skipNotPatientData(deviceId: string, draft: ObservationDraft, outcome: FrameOutcome): void {
    const reason = draft.notPatientData ?? 'not-patient-data';
    outcome.notPatientData = (outcome.notPatientData ?? 0) + 1;
    this.opts.metrics?.notPatientData.inc({ reason });
    this.logger.info(
      { deviceId, reason, code: draft.code.loinc, value: draft.value, recordNumber: draft.recordNumber },
      'reading is not patient data, not recorded',
    );
  }

  private decodeFailed(
    frame: DeviceFrame,
    error: { field: string; reason: string },
    device: DeviceSeen,
    outcome: FrameOutcome,
  ): FrameOutcome {
    const reason = `decode:${error.field}`.slice(0, 64);
    this.reportMalformed(
      { deviceId: frame.deviceId, characteristic: frame.characteristic, reason, detail: error.reason, hex: hexOf(frame.bytes) },
      device,
    );
    outcome.malformed = reason;
    return outcome;
  }

  /**
   * Commits the final readings of one notification (or one record) through the pipeline, in one
   * transaction: all of them or none. Then the outcome, the device's counts and the RACP cursor.
   */
  private storeDrafts(frame: DeviceFrame, drafts: readonly ObservationDraft[], device: DeviceSeen, outcome: FrameOutcome): void {
    if (drafts.length === 0) return;
    const deviceId = frame.deviceId;
    const downloading = this.downloading.has(deviceId);
    const clockOffsetMs = this.clockOffsets.get(deviceId);
    const r = this.pipeline.record({
      device: this.deviceRef(frame),
      receivedAt: frame.receivedAt,
      drafts,
      fromStorage: downloading,
      ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
      legacyKeys: { cursor: downloading ? this.legacyKeyCursors.get(deviceId) : undefined },
      announce: 'all',
    });
    for (const draft of r.legacy) {
      this.noteRecord(deviceId, draft, true);
      outcome.duplicates++;
    }
    if (r.refused) {
      // A refusal, not a bad frame: nothing of the notification was written.
      outcome.refused = (outcome.refused ?? 0) + drafts.length - r.legacy.length;
      return;
    }
    for (const { draft, result } of r.stored) {
      this.noteRecord(deviceId, draft, result.duplicate);
      if (result.duplicate) {
        outcome.duplicates++;
        continue;
      }
      outcome.recorded++;
      if (result.observation.patient === null) outcome.held++;
      device.readings++;
    }
  }

  /** A record committed (or already there): the RACP cursor may move past it; the download notes what it was. */
  private noteRecord(deviceId: string, draft: ObservationDraft, duplicate: boolean): void {
    if (draft.recordNumber !== undefined && draft.recordNumber > (this.committedRecords.get(deviceId) ?? -1)) {
      this.committedRecords.set(deviceId, draft.recordNumber);
    }
    const downloaded = this.downloading.has(deviceId) ? this.downloaded.get(deviceId) : undefined;
    if (downloaded && draft.recordNumber !== undefined) {
      // A record is known only if all its readings were (a glucose record can give two: value and HbA1c).
      const known = duplicate && downloaded.get(draft.recordNumber) !== 'new';
      downloaded.set(draft.recordNumber, known ? 'known' : 'new');
    }
  }

  private showLive(frame: DeviceFrame, draft: ObservationDraft, outcome: FrameOutcome): void {
    const live: LiveValue = {
      deviceId: frame.deviceId,
      code: draft.code,
      flags: draft.flags,
      receivedAt: new Date(frame.receivedAt).toISOString(),
      patientId: this.opts.patients.resolve(frame.deviceId, draft.userIndex)?.id ?? null,
    };
    if (frame.name !== undefined) live.deviceName = clip(frame.name);
    if (draft.value) live.value = draft.value;
    if (draft.components) live.components = draft.components;
    outcome.live++;
    this.opts.metrics?.liveValues.inc();
    this.emit('live', live);
  }

  private deviceRef(frame: DeviceFrame): DeviceRef {
    const ref: DeviceRef = { id: frame.deviceId, transport: frame.transport };
    const info = frame.info;
    if (info) {
      for (const k of ['manufacturer', 'model', 'serial', 'firmware'] as const) {
        const v = info[k];
        if (typeof v === 'string' && v.length > 0) ref[k] = clip(v);
      }
    }
    return ref;
  }

  private noteDevice(frame: DeviceFrame): DeviceSeen {
    const at = new Date(frame.receivedAt).toISOString();
    let d = this.devices.get(frame.deviceId);
    d ??= this.addDevice(frame.deviceId, frame.transport, at);
    d.frames++;
    d.lastSeenAt = at;
    if (frame.name !== undefined) d.name = clip(frame.name);
    if (frame.info) d.info = { ...frame.info };
    return d;
  }

  private addDevice(id: string, transport: DeviceSeen['transport'], at: string): DeviceSeen {
    const d: DeviceSeen = { id, transport, state: 'seen', firstSeenAt: at, lastSeenAt: at, frames: 0, readings: 0, malformed: 0 };
    if (this.devices.size >= MAX_DEVICES) {
      // Forget the longest-silent device rather than grow without bound.
      const oldest = [...this.devices.values()].sort((a, b) => a.lastSeenAt.localeCompare(b.lastSeenAt))[0];
      if (oldest) this.devices.delete(oldest.id);
    }
    this.devices.set(d.id, d);
    return d;
  }

  private reportMalformed(m: MalformedFrame, device?: DeviceSeen): void {
    if (device) device.malformed++;
    const key = `${m.deviceId}\u0000${m.reason}`;
    const c = this.malformedCounts.get(key);
    if (c) c.count++;
    else this.malformedCounts.set(key, { deviceId: m.deviceId, reason: m.reason, count: 1 });
    this.opts.metrics?.malformedFrames.inc({ device: m.deviceId, reason: m.reason });
    // Logged once per device/characteristic/reason: a device repeating a bad frame must not flood the log.
    const kind = `${m.deviceId}\u0000${m.characteristic}\u0000${m.reason}`;
    if (!this.logged.has(kind) && this.logged.size < MAX_LOGGED_KINDS) {
      this.logged.add(kind);
      const characteristic = normalizeCharacteristic(m.characteristic) ?? m.characteristic;
      this.logger.warn(
        { deviceId: m.deviceId, characteristic, reason: m.reason, detail: m.detail, hex: m.hex },
        'malformed device frame skipped (further ones of this kind are only counted)',
      );
    }
    this.emit('malformed', m);
  }
}
