/**
 * Auscultation recordings, started and stopped by the nurse: one gst-launch capture process per
 * recording streams 16-bit mono PCM; it is cut into segments of `segmentSeconds` (sample-exact, no
 * gap), each encoded to FLAC and committed to the store as a 'waveform'-lane Observation carrying
 * the file as an attachment, linked by `segment` {recordingId, index, last}. Segments are written
 * in order as they complete, so a recording interrupted by a power cut keeps all but its last
 * seconds. A recording stops at the nurse's request, at its maximum duration, when the capture
 * fails, or when the store refuses waveform data (store full): the reason is kept and shown.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { type Clock, HEART_SOUNDS_CODE, systemClock } from '@telecart/devices';
import type { DeviceRef, PatientRef } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import type { ReadingPipeline } from '../pipeline/reading-pipeline.js';
import type { LocalObservation, RecordResult } from '../store/reading-store.js';
import type { StethoscopeConfig } from './config.js';
import { encodeFlac } from './flac.js';
import { type GstProcess, spawnGst } from './gst.js';
import { type PcmSegment, PcmSegmenter } from './pcm-segmenter.js';
import { captureArgs } from './pipelines.js';

/** The recording's code lives with the other waveform codes (devices model/codes.ts, docs/waveforms.md). */
export { HEART_SOUNDS_CODE };

export const AUSCULTATION_SITES = ['aortic', 'pulmonic', 'erb', 'tricuspid', 'mitral', 'lung-left', 'lung-right', 'other'] as const;
export type AuscultationSite = (typeof AUSCULTATION_SITES)[number];

export type RecordingState = 'recording' | 'stopping' | 'stopped' | 'failed' | 'refused';
export type StopReason = 'nurse' | 'max-duration' | 'capture-ended' | 'capture-error' | 'store-full' | 'store-error' | 'shutdown';

export interface SegmentSummary {
  index: number;
  seq: number;
  observationId: string;
  bytes: number;
  durationMs: number;
  sha256: string;
  last: boolean;
}

export interface RecordingSummary {
  recordingId: string;
  site: AuscultationSite;
  state: RecordingState;
  patientId: string | null;
  startedAt: string;
  stoppedAt: string | null;
  stopReason: StopReason | null;
  maxDurationSeconds: number;
  sampleRateHz: number;
  /** Audio committed to the store so far. */
  durationMs: number;
  segments: SegmentSummary[];
  /** What went wrong, in words a nurse can act on. */
  error: string | null;
}

export class RecorderBusyError extends Error {
  constructor(readonly recordingId: string) {
    super(`a recording is already running (${recordingId}): stop it first`);
    this.name = 'RecorderBusyError';
  }
}

export interface StethoscopeRecorderDeps {
  config: StethoscopeConfig;
  /** The reading pipeline every source shares (DeviceManager.pipeline): one segment, one batch. */
  pipeline: Pick<ReadingPipeline, 'record'>;
  patients: { resolve(deviceId: string): PatientRef | null };
  /** Where FLAC files live while they are encoded (e.g. <dataDir>/audio-tmp). */
  tmpDir: string;
  logger: Logger;
  clock?: Clock;
  /** Builds the capture pipeline; tests may point it at another source. */
  captureArgs?: (rateHz: number) => string[];
}

export interface StethoscopeRecorderEvents {
  segment: [LocalObservation];
  ended: [RecordingSummary];
}

interface Active {
  summary: RecordingSummary;
  gst: GstProcess;
  segmenter: PcmSegmenter;
  maxSamples: number;
  captured: number;
  startedAtMs: number | null;
  patient: PatientRef | null;
  /** Segments are encoded and committed one after another, in order. */
  chain: Promise<void>;
  timer: NodeJS.Timeout;
  ending: Promise<void> | null;
}

const KEEP_FINISHED = 50;

export class StethoscopeRecorder extends EventEmitter<StethoscopeRecorderEvents> {
  private readonly clock: Clock;
  private active: Active | null = null;
  private readonly finished = new Map<string, RecordingSummary>();

  constructor(private readonly deps: StethoscopeRecorderDeps) {
    super();
    this.clock = deps.clock ?? systemClock;
    mkdirSync(deps.tmpDir, { recursive: true });
  }

  get sampleRateHz(): number {
    return this.deps.config.sampleRateHz;
  }

  /** Starts capturing. Throws RecorderBusyError while another recording runs. */
  start(opts: { site: AuscultationSite; maxDurationSeconds?: number }): RecordingSummary {
    if (this.active) throw new RecorderBusyError(this.active.summary.recordingId);
    const { config } = this.deps;
    const rate = config.sampleRateHz;
    const maxDurationSeconds = Math.min(opts.maxDurationSeconds ?? config.maxDurationSeconds, config.maxDurationSeconds);
    // The patient is fixed for the whole recording: a selection change midway must not split it.
    const patient = this.deps.patients.resolve(config.deviceId);
    const summary: RecordingSummary = {
      recordingId: randomUUID(),
      site: opts.site,
      state: 'recording',
      patientId: patient?.id ?? null,
      startedAt: new Date(this.clock.now()).toISOString(),
      stoppedAt: null,
      stopReason: null,
      maxDurationSeconds,
      sampleRateHz: rate,
      durationMs: 0,
      segments: [],
      error: null,
    };
    const args = this.deps.captureArgs?.(rate) ?? captureArgs({ pulseServer: config.pulseServer, pulseDevice: config.pulseDevice }, rate);
    const gst = spawnGst(args, { stdin: false, stdout: true });
    const a: Active = {
      summary,
      gst,
      segmenter: new PcmSegmenter(config.segmentSeconds * rate),
      maxSamples: maxDurationSeconds * rate,
      captured: 0,
      startedAtMs: null,
      patient,
      chain: Promise.resolve(),
      // A backstop: the sample count normally ends it first.
      timer: setTimeout(() => void this.end(a, 'max-duration'), maxDurationSeconds * 1000 + 2000),
      ending: null,
    };
    this.active = a;
    gst.child.stdout?.on('data', (b: Buffer) => this.onPcm(a, b));
    void gst.exited.then(async (exit) => {
      // The capture ended without being asked to: the source failed or vanished.
      if (a.summary.state === 'recording') {
        const error = exit.error ?? `capture stopped (${exit.signal ?? `exit ${exit.code}`})`;
        await this.end(
          a,
          exit.code === 0 ? 'capture-ended' : 'capture-error',
          exit.code === 0 ? null : `stethoscope capture failed: ${error}`,
        );
      }
    });
    this.deps.logger.info(
      { recordingId: summary.recordingId, site: opts.site, patientId: summary.patientId, maxDurationSeconds },
      'stethoscope recording started',
    );
    return { ...summary };
  }

  /** Stops the recording and resolves once its last segment is committed (or the recording failed). */
  async stop(recordingId: string, reason: StopReason = 'nurse'): Promise<RecordingSummary | undefined> {
    const a = this.active;
    if (!a || a.summary.recordingId !== recordingId) return this.finished.get(recordingId);
    await this.end(a, reason);
    return this.get(recordingId);
  }

  get(recordingId: string): RecordingSummary | undefined {
    if (this.active?.summary.recordingId === recordingId) return structuredClone(this.active.summary);
    const s = this.finished.get(recordingId);
    return s ? structuredClone(s) : undefined;
  }

  current(): RecordingSummary | null {
    return this.active ? structuredClone(this.active.summary) : null;
  }

  /** Stops a running recording (gateway shutdown); what was captured is kept. */
  async close(): Promise<void> {
    if (this.active) await this.end(this.active, 'shutdown');
  }

  private onPcm(a: Active, bytes: Buffer): void {
    // 'stopping': the end-of-stream flushes the capture's last buffers; they belong to the recording.
    if (a.summary.state !== 'recording' && a.summary.state !== 'stopping') return;
    const rate = this.deps.config.sampleRateHz;
    a.startedAtMs ??= this.clock.now() - ((bytes.length / 2) * 1000) / rate;
    const room = (a.maxSamples - a.captured) * 2;
    const take = bytes.length > room ? bytes.subarray(0, room) : bytes;
    a.captured += take.length / 2;
    for (const seg of a.segmenter.push(take)) this.queue(a, seg, false);
    if (a.captured >= a.maxSamples && a.summary.state === 'recording') void this.end(a, 'max-duration');
  }

  private queue(a: Active, seg: PcmSegment, last: boolean): void {
    a.chain = a.chain.then(() => this.commit(a, seg, last));
  }

  /** Encodes one segment and commits it; a refusal stops the recording. */
  private async commit(a: Active, seg: PcmSegment, last: boolean): Promise<void> {
    const s = a.summary;
    if (s.state === 'failed' || s.state === 'refused') return;
    const { config } = this.deps;
    const rate = config.sampleRateHz;
    let flac: Buffer;
    try {
      flac = await encodeFlac(seg.pcm, rate, this.deps.tmpDir);
    } catch (e) {
      this.fail(a, 'failed', 'capture-error', `could not encode the recording: ${(e as Error).message}`);
      return;
    }
    const samples = seg.pcm.length / 2;
    const durationMs = Math.round((samples * 1000) / rate);
    const sha256 = createHash('sha256').update(flac).digest('hex');
    const startMs = (a.startedAtMs ?? this.clock.now()) + (seg.startSample * 1000) / rate;
    const now = this.clock.now();
    const device: DeviceRef = { id: config.deviceId, transport: 'audio', definition: 'stethoscope' };
    if (config.manufacturer) device.manufacturer = config.manufacturer;
    if (config.model) device.model = config.model;
    let r: RecordResult;
    try {
      const result = this.deps.pipeline.record({
        device,
        receivedAt: now,
        // The patient is the recording's, fixed when it started.
        patient: a.patient,
        drafts: [
          {
            contentKey: `${config.deviceId}|${s.recordingId}|${seg.index}`,
            code: HEART_SOUNDS_CODE,
            attachment: {
              contentType: 'audio/flac',
              data: flac.toString('base64'),
              size: flac.length,
              sha256,
              durationMs,
              sampleRateHz: rate,
              title: `Auscultation ${s.site} ${seg.index + 1}${last ? ' (last)' : ''}`,
            },
            segment: { recordingId: s.recordingId, index: seg.index, last },
            status: 'final',
            flags: [`body-site:${s.site}`],
            startedAt: startMs,
            lane: 'waveform',
          },
        ],
        // Announced as 'segment' below, to the recording's page.
        announce: 'none',
      });
      // Near the cap the store refuses waveforms so spot readings and alarms keep their room.
      if (result.refused) {
        this.fail(a, 'refused', 'store-full', `recording stopped, store full: waveform capture refused (${result.refused.message})`);
        return;
      }
      const one = result.stored[0]?.result;
      if (!one) throw new Error('the store returned no result for the segment');
      r = one;
    } catch (e) {
      this.fail(a, 'failed', 'store-error', `recording stopped: the store refused the segment: ${(e as Error).message}`);
      return;
    }
    s.segments.push({
      index: seg.index,
      seq: r.duplicate ? r.seq : r.observation.seq,
      observationId: r.duplicate ? r.id : r.observation.id,
      bytes: flac.length,
      durationMs,
      sha256,
      last,
    });
    s.durationMs += durationMs;
    if (!r.duplicate) this.emit('segment', r.observation);
  }

  private fail(a: Active, state: 'failed' | 'refused', reason: StopReason, error: string): void {
    a.summary.state = state;
    a.summary.stopReason ??= reason;
    a.summary.error = error;
    this.deps.logger.warn({ recordingId: a.summary.recordingId, reason }, error);
    void this.end(a, reason);
  }

  /** Stops capture, commits the rest as the last segment, and files the summary. Idempotent. */
  private end(a: Active, reason: StopReason, error: string | null = null): Promise<void> {
    a.ending ??= this.finish(a, reason, error);
    return a.ending;
  }

  private async finish(a: Active, reason: StopReason, error: string | null): Promise<void> {
    const s = a.summary;
    clearTimeout(a.timer);
    if (s.state === 'recording') {
      s.state = 'stopping';
      s.stopReason = reason;
      if (error) s.error = error;
    }
    // Resolves after stdout closed: every captured byte has been through onPcm.
    await a.gst.stop();
    if (s.state === 'stopping') {
      const rest = a.segmenter.flush();
      if (rest) this.queue(a, rest, true);
    }
    await a.chain;
    if (s.state === 'stopping') s.state = s.error ? 'failed' : 'stopped';
    if (s.state === 'stopped' && s.segments.length === 0) {
      s.state = 'failed';
      s.error = 'no sound was captured';
    }
    s.stoppedAt = new Date(this.clock.now()).toISOString();
    this.active = null;
    this.finished.set(s.recordingId, s);
    if (this.finished.size > KEEP_FINISHED) this.finished.delete(this.finished.keys().next().value as string);
    this.deps.logger.info(
      { recordingId: s.recordingId, state: s.state, reason: s.stopReason, segments: s.segments.length, durationMs: s.durationMs },
      'stethoscope recording ended',
    );
    this.emit('ended', structuredClone(s));
  }
}
