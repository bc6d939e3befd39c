/**
 * Device frames → stored readings. For each frame: check it, apply the definition's byte quirks,
 * decode with the pure codecs, apply the draft quirks, skip what is not patient data, show
 * preliminary drafts live (cuff pressure while inflating, continuous oximetry), and hand the final
 * drafts of the frame to the reading pipeline (time, patient, content key, one transaction). A bad
 * frame is counted, logged once per kind, and skipped. The parts live in their own modules:
 * malformed-frames, definition-quirks, record-joins, live-values, record-downloads, seen-devices,
 * and pipeline/reading-pipeline. What is profile-specific comes from the device's definition: a
 * characteristic's decoder, and the record joiner of a capability whose records span several
 * characteristics (glucose measurement + context).
 */
import { EventEmitter } from 'node:events';
import {
  type Clock,
  type CodecResult,
  characteristicDecoderOf,
  DEVICE_DEFINITIONS,
  type DefinitionChoice,
  type DeviceDefinition,
  type DeviceFrame,
  type DeviceIdentity,
  decodeCharacteristic,
  fullUuid,
  genericSigBle,
  type JoinOutput,
  matchDefinition,
  normalizeCharacteristic,
  type ObservationDraft,
  recordJoinOf,
  roleOf,
  shortUuid,
  systemClock,
} from '@telecart/devices';
import type { DeviceRef } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PatientContext } from '../patient/context.js';
import { type ReadingEvent, ReadingPipeline } from '../pipeline/reading-pipeline.js';
import { InvalidReadingError, type ReadingStore } from '../store/reading-store.js';
import { applyByteQuirks, applyDraftQuirks } from './definition-quirks.js';
import { attachFrameSource, type FrameSource } from './frame-source.js';
import { type LiveValue, liveValueOf } from './live-values.js';
import { frameProblem, hexOf, type MalformedFrame, MalformedFrames } from './malformed-frames.js';
import { RecordDownloads } from './record-downloads.js';
import { RecordJoins } from './record-joins.js';
import type { RecordNumberingReset, RecordOutcome } from './record-numbering.js';
import { clip, type DeviceClockState, type DeviceSeen, SeenDevices } from './seen-devices.js';

export type { ReadingEvent } from '../pipeline/reading-pipeline.js';
export type { LiveValue } from './live-values.js';
export type { MalformedFrame } from './malformed-frames.js';
export type { DeviceClockState, DeviceSeen } from './seen-devices.js';

export type Decoder = (characteristic: string, bytes: Uint8Array) => CodecResult<ObservationDraft[]>;

/** How a characteristic no definition describes is read: as the standard SIG profiles say. */
const STANDARD_PROFILES: DeviceDefinition = genericSigBle;

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
  /** Default: the definition's decoder for the characteristic, else decodeCharacteristic from @telecart/devices. */
  decode?: Decoder;
  /** Device definitions to pick from (default: the built-in DEVICE_DEFINITIONS). */
  definitions?: readonly DeviceDefinition[];
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

export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  /** The store path every source shares (serial and the stethoscope use it too). */
  readonly pipeline: ReadingPipeline;
  private readonly decode: Decoder | undefined;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly devices = new SeenDevices();
  private readonly malformedFrames: MalformedFrames;
  private readonly records = new RecordDownloads();
  private readonly joins: RecordJoins;
  private readonly detachers = new Set<() => void>();
  private readonly definitions: readonly DeviceDefinition[];
  private readonly chosen = new Map<string, DefinitionChoice>();
  /** Offsets applied to readings (device clocks that could not be set). */
  private readonly clockOffsets = new Map<string, number>();

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
    this.decode = opts.decode;
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.definitions = opts.definitions ?? DEVICE_DEFINITIONS;
    this.malformedFrames = new MalformedFrames(this.logger, opts.metrics, (m) => this.emit('malformed', m));
    this.joins = new RecordJoins(this.clock, (frame, out) => this.storeJoined(frame, out));
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
    const d = this.devices.getOrAdd(deviceId, identity.transport, this.nowIso());
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
    if (d) d.clock = { state, offsetMs: Math.round(offsetMs), checkedAt: this.nowIso() };
  }

  /** A stored-record download starts/ends: device times of its readings are kept however old. */
  setDownloading(deviceId: string, active: boolean): void {
    this.records.setDownloading(deviceId, active);
  }

  /** The records the latest download of this device committed: record number → known (already stored) or new. */
  downloadedRecords(deviceId: string): ReadonlyMap<number, RecordOutcome> {
    return this.records.downloadedRecords(deviceId);
  }

  /**
   * UPGRADE-ONLY (content-key format 1 → 2): while this device downloads, a record at or behind
   * `cursor` whose legacy key the store knows is a duplicate (pipeline/legacy-keys.ts knownUnderLegacyKey).
   * undefined ends it.
   */
  setLegacyKeyCursor(deviceId: string, cursor: number | undefined): void {
    this.records.setLegacyKeyCursor(deviceId, cursor);
  }

  /** The device's record numbering restarted (seen by the RACP procedure): shown with the device. */
  noteNumberingReset(deviceId: string, reset: RecordNumberingReset & { resets: number }): void {
    const d = this.devices.get(deviceId);
    if (d) d.numberingReset = { ...reset };
  }

  /** Highest record number of this device committed to the store since the gateway started. */
  highestCommittedRecord(deviceId: string): number | undefined {
    return this.records.highestCommitted(deviceId);
  }

  /** Releases what waits for its other part, e.g. a glucose context (end of a record download, disconnect): nothing is lost. */
  flushDevice(deviceId: string): void {
    this.joins.flush(deviceId);
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
    this.joins.stop();
  }

  /**
   * A driver's connection state, for the status page, e.g. from the BLE central:
   * `ble.on('state', (c) => devices.setDeviceState(c.deviceId, c.state, { name: c.name }))`.
   */
  setDeviceState(deviceId: string, state: string, opts: { name?: string; transport?: DeviceFrame['transport'] } = {}): void {
    const d = this.devices.getOrAdd(deviceId, opts.transport ?? 'ble', this.nowIso());
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
    const d = this.devices.getOrAdd(deviceId, transport, at);
    d.frames++;
    d.lastSeenAt = at;
  }

  countReading(deviceId: string): void {
    const d = this.devices.get(deviceId);
    if (d) d.readings++;
  }

  countMalformed(deviceId: string, transport: DeviceFrame['transport']): void {
    this.devices.getOrAdd(deviceId, transport, this.nowIso()).malformed++;
  }

  seenDevices(): DeviceSeen[] {
    return this.devices.list();
  }

  malformed(): { deviceId: string; reason: string; count: number }[] {
    return this.malformedFrames.list();
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
      this.malformedFrames.report({ deviceId, characteristic, reason: 'invalid-frame', detail: problem, hex });
      outcome.malformed = 'invalid-frame';
      return outcome;
    }
    const device = this.devices.noteFrame(frame);
    const definition = this.chosen.get(frame.deviceId)?.definition;
    const role = definition ? roleOf(definition, frame.characteristic) : undefined;
    // Control points (RACP, Current Time) belong to the procedures, not to the readings.
    if (role === 'control') return outcome;
    try {
      const { bytes, flags: quirkFlags } = applyByteQuirks(definition, frame);
      // '2A18' for a SIG characteristic (any spelling), the lower-case UUID for a vendor one.
      const uuid = normalizeCharacteristic(frame.characteristic) ?? shortUuid(fullUuid(frame.characteristic));
      // A characteristic the definition does not describe is read as its standard profile says.
      const join = ((definition && recordJoinOf(definition, uuid)) ?? recordJoinOf(STANDARD_PROFILES, uuid))?.join;
      if (join) {
        const joined = this.joins.take(frame, join, uuid, bytes);
        if (!joined.ok) return this.decodeFailed(frame, joined.error, device, outcome);
        this.storeJoined(frame, joined.value, outcome);
        return outcome;
      }
      const decoded = this.decodeFrame(definition, frame.characteristic, bytes);
      if (!decoded.ok) return this.decodeFailed(frame, decoded.error, device, outcome);
      const finals: ObservationDraft[] = [];
      for (const raw of decoded.value) {
        const draft = applyDraftQuirks(definition, raw, quirkFlags);
        if (draft.notPatientData) {
          this.skipNotPatientData(frame.deviceId, draft, outcome);
          continue;
        }
        // A definition's 'live' characteristic is never stored, whatever the mapping says.
        if (draft.status !== 'preliminary' && role !== 'live') finals.push(draft);
        else this.showLive(frame, draft, outcome);
      }
      this.storeDrafts(frame, finals, outcome);
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

  /** The injected decoder, else the definition's decoder for the characteristic, else the SIG codec table. */
  private decodeFrame(
    definition: DeviceDefinition | undefined,
    characteristic: string,
    bytes: Uint8Array,
  ): CodecResult<ObservationDraft[]> {
    if (this.decode) return this.decode(characteristic, bytes);
    const own = definition && characteristicDecoderOf(definition, characteristic);
    return own ? own(bytes) : decodeCharacteristic(characteristic, bytes);
  }

  /** Records a capability's joiner completed (glucose measurement + context) → store. */
  private storeJoined(frame: DeviceFrame, joined: JoinOutput, outcome?: FrameOutcome): void {
    const deviceId = frame.deviceId;
    if (!this.devices.get(deviceId)) return;
    const out = outcome ?? { recorded: 0, duplicates: 0, held: 0, live: 0 };
    const definition = this.chosen.get(deviceId)?.definition;
    for (const s of joined.skipped) this.logger.warn({ deviceId, ...s.detail }, s.message);
    for (const record of joined.records) {
      // One record (measurement + context) may give two readings (glucose, HbA1c): stored together.
      const drafts: ObservationDraft[] = [];
      for (const draft of record) {
        if (draft.notPatientData) this.skipNotPatientData(deviceId, draft, out);
        else drafts.push(applyDraftQuirks(definition, draft, []));
      }
      this.storeDrafts(frame, drafts, out);
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
  private storeDrafts(frame: DeviceFrame, drafts: readonly ObservationDraft[], outcome: FrameOutcome): void {
    if (drafts.length === 0) return;
    const deviceId = frame.deviceId;
    const clockOffsetMs = this.clockOffsets.get(deviceId);
    const r = this.pipeline.record({
      device: this.deviceRef(frame),
      receivedAt: frame.receivedAt,
      drafts,
      fromStorage: this.records.isDownloading(deviceId),
      ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
      legacyKeys: { cursor: this.records.legacyKeyCursor(deviceId) },
      announce: 'all',
    });
    for (const draft of r.legacy) {
      this.records.noteRecord(deviceId, draft, true);
      outcome.duplicates++;
    }
    if (r.refused) {
      // A refusal, not a bad frame: nothing of the notification was written.
      outcome.refused = (outcome.refused ?? 0) + drafts.length - r.legacy.length;
      return;
    }
    const device = this.devices.get(deviceId);
    for (const { draft, result } of r.stored) {
      this.records.noteRecord(deviceId, draft, result.duplicate);
      if (result.duplicate) {
        outcome.duplicates++;
        continue;
      }
      outcome.recorded++;
      if (result.observation.patient === null) outcome.held++;
      if (device) device.readings++;
    }
  }

  private showLive(frame: DeviceFrame, draft: ObservationDraft, outcome: FrameOutcome): void {
    const patientId = this.opts.patients.resolve(frame.deviceId, draft.userIndex)?.id ?? null;
    outcome.live++;
    this.opts.metrics?.liveValues.inc();
    this.emit('live', liveValueOf(frame, draft, patientId));
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

  private reportMalformed(m: MalformedFrame, device: DeviceSeen): void {
    device.malformed++;
    this.malformedFrames.report(m);
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
