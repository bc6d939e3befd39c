/**
 * The one path from a source's decoded readings to the store, shared by BLE (notifications and
 * downloaded records), serial (spot checks, held values, waveform segments) and the stethoscope
 * (audio segments). For the final readings of one notification, record or segment:
 * time (device time in the gateway's zone, corrected when the device clock is off) → patient
 * (fixed by the source, explicit user, or held) → content key → UPGRADE-ONLY legacy-key check →
 * one store transaction (all of them or none: a pulse oximeter's SpO2 is never stored without the
 * pulse rate it came with) → metrics and 'reading' events.
 * A full store (StoreFullError) is a refusal, not bad input: it is returned, logged once per device
 * until that device's readings are accepted again, and nothing of the batch is written. Any other
 * store error (an invalid reading) is thrown to the source, which reports it as it reports bad input.
 */
import type { ObservationDraft } from '@telecart/devices';
import type { DeviceRef, ObservationTime, PatientRef } from '@telecart/protocol';
import { contentKeyOf } from '../devices/content-key.js';
import { observationTime } from '../devices/time.js';
import { type Logger, silentLogger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { type LocalObservation, type ReadingStore, type RecordInput, type RecordResult, StoreFullError } from '../store/reading-store.js';
import { storedByOldRelease } from './legacy-keys.js';

/** A committed reading, as announced to the screen (server-sent events) and tests. */
export interface ReadingEvent {
  observation: LocalObservation;
  duplicate: boolean;
  /** Waiting for the nurse to name the patient. */
  held: boolean;
}

/**
 * One reading a source hands over: a decoded draft, optionally carrying what a recording segment
 * adds (its samples or file, its place in the recording, its own key and start instant).
 */
export interface PipelineDraft extends ObservationDraft, Pick<RecordInput, 'sampledData' | 'attachment' | 'segment'> {
  /** The source's own key (a recording's id + segment index) instead of the content key. */
  contentKey?: string;
  /** Gateway-timed readings (segments): when the measurement began, ms since epoch. */
  startedAt?: number;
}

export interface ReadingBatch {
  device: DeviceRef;
  /** Gateway receive time of the notification / packet / segment, ms since epoch. */
  receivedAt: number;
  /** The final readings of one notification, record or segment: committed together or not at all. */
  drafts: readonly PipelineDraft[];
  /** The readings come from the device's memory (record download): old device times are kept. */
  fromStorage?: boolean;
  /** The device clock's measured offset (device − gateway, ms) when readings are being corrected. */
  clockOffsetMs?: number;
  /** A patient the source fixed (a recording keeps the patient it started with); else resolved per reading. */
  patient?: PatientRef | null;
  /**
   * UPGRADE-ONLY: run the format-1 key check (BLE readings). `cursor`: the device's format-1 RACP
   * cursor while its first download after the upgrade runs.
   */
  legacyKeys?: { cursor: number | undefined };
  /**
   * Which committed readings become 'reading' events: 'all' (BLE: a re-read record is shown too),
   * 'new' (serial), 'none' (the stethoscope announces its segments itself).
   */
  announce: 'all' | 'new' | 'none';
}

export interface BatchResult {
  /** The committed readings with the store's answer (new or duplicate), in the batch's order. */
  stored: { draft: PipelineDraft; result: RecordResult }[];
  /** Readings the previous release stored under their format-1 key: duplicates, not stored again. */
  legacy: PipelineDraft[];
  /** The full store refused the batch: nothing of it was written. */
  refused?: StoreFullError;
}

export interface ReadingPipelineOptions {
  store: Pick<ReadingStore, 'recordMany' | 'hasLegacyContentKeys' | 'hasContentKey'>;
  patients: { resolve(deviceId: string, userIndex?: number): PatientRef | null };
  /** IANA zone device clocks are set in. */
  timeZone: string;
  clockDriftToleranceMs: number;
  metrics?: GatewayMetrics;
  logger?: Logger;
  /** Receives the 'reading' events (the DeviceManager re-emits them). */
  onReading?: (e: ReadingEvent) => void;
}

/** What the drafts of one batch share: the time of a device time, the patient of a device user. */
interface Shared {
  times: Map<object, ObservationTime>;
  patients: Map<number | undefined, PatientRef | null>;
}

export class ReadingPipeline {
  private readonly logger: Logger;
  /** Devices whose last batch the full store refused: logged once until one is accepted again. */
  private readonly refusing = new Set<string>();

  constructor(private readonly opts: ReadingPipelineOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Commits one batch; see the module comment. Throws only what is not a store-full refusal. */
  record(batch: ReadingBatch): BatchResult {
    const deviceId = batch.device.id;
    const out: BatchResult = { stored: [], legacy: [] };
    const drafts: PipelineDraft[] = [];
    const inputs: RecordInput[] = [];
    const shared: Shared = { times: new Map(), patients: new Map() };
    for (const draft of batch.drafts) {
      if (batch.legacyKeys && storedByOldRelease(this.opts.store, deviceId, draft, batch.legacyKeys.cursor)) {
        out.legacy.push(draft);
        this.opts.metrics?.duplicates.inc();
        this.logger.debug(
          { deviceId, recordNumber: draft.recordNumber },
          'record stored before the upgrade (legacy key), not stored again',
        );
        continue;
      }
      drafts.push(draft);
      inputs.push(this.inputOf(batch, draft, shared));
    }
    if (inputs.length === 0) return out;
    let results: RecordResult[];
    try {
      results = this.opts.store.recordMany(inputs);
    } catch (e) {
      if (!(e instanceof StoreFullError)) throw e;
      // The store raises and counts its alarm; the device's other batches (e.g. spot readings when
      // only waveforms are refused) still go in.
      out.refused = e;
      if (!this.refusing.has(deviceId)) {
        this.refusing.add(deviceId);
        this.logger.warn({ deviceId, level: e.level, lane: e.lane, err: e.message }, 'reading refused: gateway store full');
      }
      return out;
    }
    this.refusing.delete(deviceId);
    results.forEach((result, i) => {
      const draft = drafts[i];
      if (!draft) return;
      out.stored.push({ draft, result });
      this.announce(batch, result);
    });
    return out;
  }

  /**
   * Built by assignment in the wire order rather than by spreading `{}`-or-`{ key }` objects: one
   * object of a stable shape per reading instead of up to six temporaries (the burst path's CPU),
   * and the same object the store keeps as the observation.
   * What the drafts of one notification (a BP panel and its pulse rate) have in common is worked
   * out once and shared, not copied: the time of a device time, the patient of a device user, the
   * draft's flags (readings are never changed once built: the store builds a new list to add its own).
   */
  private inputOf(batch: ReadingBatch, draft: PipelineDraft, shared: Shared): RecordInput {
    // The identity slots first, empty: the store fills them in this object, which becomes the
    // stored observation (no copy), and the JSON keeps the wire order.
    const input: { -readonly [K in keyof RecordInput]?: RecordInput[K] } = { id: '', seq: 0, gatewayId: '' };
    const contentKey = draft.contentKey ?? contentKeyOf(batch.device.id, draft);
    if (contentKey !== undefined) input.contentKey = contentKey;
    input.code = draft.code;
    if (draft.value !== undefined) input.value = draft.value;
    if (draft.components !== undefined) input.components = draft.components;
    if (draft.sampledData !== undefined) input.sampledData = draft.sampledData;
    if (draft.attachment !== undefined) input.attachment = draft.attachment;
    if (draft.segment !== undefined) input.segment = draft.segment;
    // Preliminary drafts never get here; 'entered-in-error' is kept as the device meant it.
    input.status = draft.status === 'entered-in-error' ? 'entered-in-error' : 'final';
    input.flags = draft.flags;
    input.patient = batch.patient !== undefined ? batch.patient : this.patientOf(batch, draft, shared.patients);
    input.device = batch.device;
    input.time = this.timeOf(batch, draft, shared.times);
    input.lane = draft.lane;
    return input as RecordInput;
  }

  private timeOf(batch: ReadingBatch, draft: PipelineDraft, times: Map<object, ObservationTime>): ObservationTime {
    if (draft.startedAt !== undefined) {
      const received = new Date(batch.receivedAt).toISOString();
      return { effective: new Date(draft.startedAt).toISOString(), device: null, received, correctionMs: 0, source: 'gateway' };
    }
    const fromStorage = draft.flags.includes('data-from-storage') || batch.fromStorage === true;
    // Same device time object and same storage flag in one batch (same receive time, same offset): same answer.
    const key = draft.deviceTime ?? batch;
    const known = fromStorage ? undefined : times.get(key);
    if (known) return known;
    const t = observationTime({
      deviceTime: draft.deviceTime,
      receivedAt: batch.receivedAt,
      timeZone: this.opts.timeZone,
      toleranceMs: this.opts.clockDriftToleranceMs,
      fromStorage,
      ...(batch.clockOffsetMs === undefined ? {} : { clockOffsetMs: batch.clockOffsetMs }),
    });
    if (!fromStorage) times.set(key, t);
    return t;
  }

  /** The patient of a draft's device user, resolved once per user of the batch. */
  private patientOf(batch: ReadingBatch, draft: PipelineDraft, patients: Map<number | undefined, PatientRef | null>): PatientRef | null {
    const known = patients.get(draft.userIndex);
    if (known !== undefined) return known;
    const p = this.opts.patients.resolve(batch.device.id, draft.userIndex);
    patients.set(draft.userIndex, p);
    return p;
  }

  private announce(batch: ReadingBatch, r: RecordResult): void {
    if (r.duplicate) {
      this.opts.metrics?.duplicates.inc();
      this.logger.debug({ deviceId: batch.device.id, seq: r.seq, synced: r.synced }, 're-read reading recognised, not stored again');
      if (batch.announce === 'all' && r.observation)
        this.opts.onReading?.({ observation: r.observation, duplicate: true, held: r.observation.patient === null });
      return;
    }
    if (this.opts.metrics) this.opts.metrics.recordedSinceScrape[r.observation.lane]++;
    if (batch.announce !== 'none')
      this.opts.onReading?.({ observation: r.observation, duplicate: false, held: r.observation.patient === null });
  }
}
